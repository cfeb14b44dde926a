#include "plantbridge/model/transaction.h"

namespace pb {

const char* transactionStateName(TransactionState s) {
  switch (s) {
    case TransactionState::kPending:
      return "pending";
    case TransactionState::kDelivered:
      return "delivered";
    case TransactionState::kDead:
      return "dead";
    case TransactionState::kDiscarded:
      return "discarded";
  }
  return "unknown";
}

const char* attemptOutcomeName(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kDelivered:
      return "delivered";
    case AttemptOutcome::kRetry:
      return "retry";
    case AttemptOutcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace pb
