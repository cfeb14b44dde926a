// Delivers one transaction to a target and waits (bounded) for the outcome.
#pragma once

#include <chrono>
#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "plantbridge/dispatch/target.h"

namespace pb::test {

inline DeliveryResult deliverAndWait(Target& target, const Transaction& tx,
                                     std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto promise = std::make_shared<std::promise<DeliveryResult>>();
  auto future = promise->get_future();
  target.deliverAsync(tx, [promise](DeliveryResult r) { promise->set_value(std::move(r)); });
  if (future.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "no delivery result within " << limit.count() << " s";
    return DeliveryResult::retry("test: no result");
  }
  return future.get();
}

}  // namespace pb::test
