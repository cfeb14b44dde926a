#include "plantbridge/pipeline/stage.h"

namespace pb {

namespace {
constexpr size_t kMaxDedupeOverlay = 65536;
}  // namespace

Result<std::optional<std::string>> BatchState::state(const std::string& key) {
  if (auto it = state_overlay_.find(key); it != state_overlay_.end()) {
    return std::optional<std::string>(it->second);
  }
  return committedState(key);
}

Result<std::optional<std::string>> BatchState::committedState(const std::string& key) {
  if (!store_) return std::optional<std::string>();
  return store_->getState(key);
}

Result<bool> BatchState::transactionCommitted(const std::string& id) {
  if (!store_) return false;
  return store_->hasTransaction(id);
}

void BatchState::setState(StepResult& step, std::string key, std::string value) {
  if (mode_ == PipelineMode::kLive) step.state_updates.push_back({key, value});
  state_overlay_[std::move(key)] = std::move(value);
}

Result<bool> BatchState::dedupeKeySeen(const std::string& key, TimePoint at, bool consult_store) {
  // A replay run keeps its overlay for its whole length: bound it by forgetting keys expired by
  // the time of the event at hand (records come roughly in time order).
  if (dedupe_overlay_.size() >= kMaxDedupeOverlay) {
    std::erase_if(dedupe_overlay_, [&](const auto& kv) { return kv.second <= at; });
  }
  if (auto it = dedupe_overlay_.find(key); it != dedupe_overlay_.end() && it->second > at) {
    return true;
  }
  if (!consult_store || !store_) return false;
  return store_->dedupeKeySeen(key, at);
}

void BatchState::addDedupeKey(StepResult& step, std::string key, TimePoint expires_at) {
  if (mode_ == PipelineMode::kLive) step.dedupe_keys.push_back({key, expires_at});
  auto& slot = dedupe_overlay_[std::move(key)];
  if (slot < expires_at) slot = expires_at;
}

void BatchState::clear() {
  state_overlay_.clear();
  dedupe_overlay_.clear();
  derived_candidates_.clear();
}

}  // namespace pb
