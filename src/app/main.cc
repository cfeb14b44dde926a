// Placeholder until the hub is wired; replaced by the CLI.
#include <cstdio>
int main() {
  std::puts("plantbridge: not yet wired");
  return 1;
}
