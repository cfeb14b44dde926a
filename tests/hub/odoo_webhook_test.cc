// The Odoo webhook receiver on its own (a Router, a recording hint function): the secret in the
// URL (wrong -> the Router's own 404, nothing queued), the payload shapes of Odoo 18 and 19
// (ODOO18_API.md §9, ODOO19_JSON2.md §3.1) accepted, malformed bodies -> 400 naming the field.
#include "plantbridge/hub/odoo_webhook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include <boost/json.hpp>

namespace pb {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr const char* kSecret = "s3cr3t-0123456789abcdefghij";
// Verbatim from ODOO18_API.md §9 (action_confirm of MO 11).
constexpr const char* kOdoo18Body =
    R"j({"_action": "Send Webhook Notification(#375)", "_id": 11, "_model": "mrp.production", )j"
    R"("id": 11, "lot_producing_id": false, "name": "WH/MO/00010", "origin": "mw-order-77", )"
    R"("product_id": 53, "product_qty": 1.0, "qty_producing": 0.0, "state": "confirmed", )"
    R"("write_date": "2026-11-22 06:53:49.268113"})";
// Verbatim from ODOO18_API.md §9: the rule with no fields selected.
constexpr const char* kOdoo18MinimalBody =
    R"j({"_action": "Send Webhook Notification(#376)", "_id": 12, "_model": "mrp.production"})j";
// Verbatim from ODOO19_JSON2.md §3.1.
constexpr const char* kOdoo19Body =
    R"j({"_action": "POST to local receiver(#376)", "_id": 9, "_model": "maintenance.request", )j"
    R"("equipment_id": 3, "id": 9, "maintenance_type": "preventive", "name": "JSON2 webhook )"
    R"(trigger", "priority": "2"})";

class OdooWebhookReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OdooWebhookOptions options;
    options.secret = kSecret;
    options.models = {"mrp.production", "mrp.workorder", "maintenance.request"};
    options.hint = [this](std::string_view model, int64_t id) {
      hints_.emplace_back(std::string(model), id);
      return outcome_;
    };
    receiver_ = std::make_unique<OdooWebhookReceiver>(std::move(options), metrics_);
    ASSERT_TRUE(receiver_->registerRoutes(router_).isOk());
  }

  HttpResponse post(const std::string& path, const std::string& body) {
    HttpRequest request;
    request.method = "POST";
    request.target = path;
    request.path = path;
    request.body = body;
    request.remote_address = "127.0.0.1:40000";
    std::optional<HttpResponse> answer;
    router_.handle(request, [&](HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << "the receiver answers before it returns";
    return answer.value_or(HttpResponse{});
  }
  HttpResponse postHint(const std::string& body) {
    return post(std::string("/v1/hooks/odoo/") + kSecret, body);
  }
  uint64_t metric(const char* result) {
    return metrics_.counter("plantbridge_odoo_webhook_hints_total", "", {{"result", result}})
        .value();
  }
  // The 400 answer's "field".
  static std::string fieldOf(const HttpResponse& r) {
    const json::value v = json::parse(r.body);
    return std::string(v.at("error").at("field").as_string());
  }

  MetricsRegistry metrics_;
  Router router_;
  std::unique_ptr<OdooWebhookReceiver> receiver_;
  std::vector<std::pair<std::string, int64_t>> hints_;
  OdooHintOutcome outcome_ = OdooHintOutcome::kQueued;
};

TEST_F(OdooWebhookReceiverTest, Odoo18PayloadIsQueuedAsAHint) {
  const HttpResponse r = postHint(kOdoo18Body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"queued"})");
  ASSERT_EQ(hints_.size(), 1u);
  EXPECT_EQ(hints_[0], std::make_pair(std::string("mrp.production"), int64_t{11}));
  EXPECT_EQ(metric("received"), 1u);
}

TEST_F(OdooWebhookReceiverTest, MinimalAndOdoo19PayloadsAreAccepted) {
  EXPECT_EQ(postHint(kOdoo18MinimalBody).status, 200);
  EXPECT_EQ(postHint(kOdoo19Body).status, 200);
  ASSERT_EQ(hints_.size(), 2u);
  EXPECT_EQ(hints_[0], std::make_pair(std::string("mrp.production"), int64_t{12}));
  EXPECT_EQ(hints_[1], std::make_pair(std::string("maintenance.request"), int64_t{9}));
}

TEST_F(OdooWebhookReceiverTest, DuplicateIsCountedAndStillAnswered200) {
  outcome_ = OdooHintOutcome::kDuplicate;
  const HttpResponse r = postHint(kOdoo18Body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"duplicate"})");
  EXPECT_EQ(metric("deduplicated"), 1u);
}

TEST_F(OdooWebhookReceiverTest, FullQueueIs503) {
  outcome_ = OdooHintOutcome::kQueueFull;
  const HttpResponse r = postHint(kOdoo18Body);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(metric("queue_full"), 1u);
}

TEST_F(OdooWebhookReceiverTest, WrongSecretIsAnsweredLikeAnUnknownPathAndQueuesNothing) {
  const HttpResponse wrong = post("/v1/hooks/odoo/not-the-secret", kOdoo18Body);
  const HttpResponse unknown = post("/v1/hooks/other/not-the-secret", kOdoo18Body);
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(wrong.body, R"({"error":{"code":"not_found","message":"no route for POST )"
                        R"(/v1/hooks/odoo/not-the-secret"}})");
  EXPECT_EQ(unknown.status, 404);
  // A prefix of the secret, or the secret with more after it, is wrong too.
  EXPECT_EQ(
      post(std::string("/v1/hooks/odoo/") + std::string(kSecret).substr(0, 10), kOdoo18Body).status,
      404);
  EXPECT_EQ(post(std::string("/v1/hooks/odoo/") + kSecret + "x", kOdoo18Body).status, 404);
  EXPECT_TRUE(hints_.empty());
  EXPECT_EQ(metric("rejected"), 3u);
}

TEST_F(OdooWebhookReceiverTest, RotatedSecretReplacesTheOldOne) {
  receiver_->setSecret("rotated-0123456789abcdefghij");
  EXPECT_EQ(postHint(kOdoo18Body).status, 404);
  EXPECT_EQ(post("/v1/hooks/odoo/rotated-0123456789abcdefghij", kOdoo18Body).status, 200);
}

TEST_F(OdooWebhookReceiverTest, MalformedBodiesAre400NamingTheField) {
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {"", "body", "not JSON"},
      {"{\"_model\": ", "body", "not JSON"},
      {R"([{"_id": 1, "_model": "mrp.production"}])", "body", "must be a JSON object"},
      {R"({"_id": 1})", "_model", "missing"},
      {R"({"_id": 1, "_model": 7})", "_model", "must be a string"},
      {R"({"_id": 1, "_model": "res.partner"})", "_model",
       "'res.partner' is not a model the master-data sync reads (mrp.production, mrp.workorder, "
       "maintenance.request)"},
      {R"({"_model": "mrp.production"})", "_id", "missing"},
      {R"({"_id": "11", "_model": "mrp.production"})", "_id", "must be an integer"},
      {R"({"_id": 1.5, "_model": "mrp.production"})", "_id", "must be an integer"},
      {R"({"_id": false, "_model": "mrp.production"})", "_id", "must be an integer"},
      {R"({"_id": 0, "_model": "mrp.production"})", "_id", "must be a positive record id"},
      {R"({"_id": -4, "_model": "mrp.production"})", "_id", "must be a positive record id"},
      {R"({"_id": 18446744073709551615, "_model": "mrp.production"})", "_id",
       "must be a positive record id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    const HttpResponse r = postHint(c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(fieldOf(r), c.field);
    EXPECT_THAT(r.body, HasSubstr(std::string(c.field) + ": " + c.message));
  }
  EXPECT_TRUE(hints_.empty());
  EXPECT_EQ(metric("rejected"), std::size(cases));
}

TEST_F(OdooWebhookReceiverTest, OtherMethodsAreNotRouted) {
  HttpRequest request;
  request.method = "GET";
  request.path = request.target = std::string("/v1/hooks/odoo/") + kSecret;
  std::optional<HttpResponse> answer;
  router_.handle(request, [&](HttpResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 405);
  EXPECT_TRUE(hints_.empty());
}

}  // namespace
}  // namespace pb
