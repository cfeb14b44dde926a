#include "plantbridge/connectors/opcua/recovery.h"

#include <algorithm>
#include <cmath>

namespace pb::opcua {
namespace {

constexpr uint64_t kHalfSpace = uint64_t{1} << 31;

}  // namespace

std::chrono::milliseconds backoffCeiling(std::chrono::milliseconds initial,
                                         std::chrono::milliseconds max, int failures) {
  if (initial.count() <= 0) return std::chrono::milliseconds(0);
  if (max < initial) max = initial;
  int64_t ceiling = initial.count();
  for (int i = 1; i < failures && ceiling < max.count(); ++i) {
    ceiling = ceiling > max.count() / 2 ? max.count() : ceiling * 2;
  }
  return std::chrono::milliseconds(std::min(ceiling, max.count()));
}

std::chrono::milliseconds fullJitterBackoff(std::chrono::milliseconds initial,
                                            std::chrono::milliseconds max, int failures,
                                            double unit_random) {
  const double unit = std::clamp(unit_random, 0.0, 1.0);
  const auto ceiling = backoffCeiling(initial, max, failures);
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::floor(static_cast<double>(ceiling.count()) * unit)));
}

uint32_t nextSequenceNumber(uint32_t n) { return n == 0xFFFF'FFFFU ? 1 : n + 1; }

uint64_t SequenceTracker::distance(uint32_t from, uint32_t to) {
  // 0 only ever stands for "before 1".
  if (to >= from) return to - from;
  return uint64_t{0xFFFF'FFFFU} - from + to;  // across the wrap, which skips 0
}

void SequenceTracker::reset() {
  last_ = 0;
  pending_acks_.clear();
}

SequenceTracker::Gap SequenceTracker::gapBefore(uint32_t seq) const {
  Gap gap;
  if (seq == 0) return gap;
  const uint64_t steps = distance(last_, seq);
  // Before the first message (last_ 0) every number is ahead.
  if (steps == 0 || (steps > kHalfSpace && last_ != 0)) return gap;
  gap.is_new = true;
  const uint64_t missing = steps - 1;
  if (missing > kMaxListedGap) gap.beyond_limit = missing - kMaxListedGap;
  // last_ + 1 + beyond_limit along the cycle 1..UInt32.Max.
  uint64_t first = uint64_t{last_} + 1 + gap.beyond_limit;
  if (first > 0xFFFF'FFFFU) first -= 0xFFFF'FFFFU;
  for (auto n = static_cast<uint32_t>(first); n != seq; n = nextSequenceNumber(n)) {
    gap.missing.push_back(n);
  }
  return gap;
}

void SequenceTracker::advance(uint32_t seq) {
  if (gapBefore(seq).is_new) last_ = seq;
}

std::vector<uint32_t> SequenceTracker::takeAcknowledgements() {
  std::vector<uint32_t> acks;
  acks.swap(pending_acks_);
  return acks;
}

uint32_t SequenceTracker::newestAvailableAfterLast(const std::vector<uint32_t>& available) const {
  uint32_t newest = 0;
  uint64_t newest_distance = 0;
  for (uint32_t n : available) {
    if (n == 0) continue;
    const uint64_t d = distance(last_, n);
    if (d == 0 || d > kHalfSpace) continue;
    if (d > newest_distance) {
      newest = n;
      newest_distance = d;
    }
  }
  return newest;
}

void SampleGate::reset(const std::vector<DataChangeTrigger>& triggers) {
  nodes_.assign(triggers.size(), Node{});
  for (size_t i = 0; i < triggers.size(); ++i) nodes_[i].trigger = triggers[i];
}

void SampleGate::gapForAll() {
  for (auto& node : nodes_) node.after_gap = true;
}

bool SampleGate::admit(size_t index, const DataValue& value, bool& after_gap) {
  if (index >= nodes_.size()) return false;
  Node& node = nodes_[index];
  if (node.last) {
    bool same = node.last->statusOrGood() == value.statusOrGood();
    if (node.trigger != DataChangeTrigger::kStatus) same = same && node.last->value == value.value;
    if (node.trigger == DataChangeTrigger::kStatusValueTimestamp) {
      same = same && node.last->source_timestamp == value.source_timestamp;
    }
    if (same) return false;
  }
  after_gap = node.after_gap;
  node.after_gap = false;
  node.last = value;
  return true;
}

}  // namespace pb::opcua
