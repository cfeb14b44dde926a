#include "hub_runtime.h"

#include <cassert>
#include <cstdio>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "connector_sink.h"
#include "plantbridge/common/metrics.h"
#include "plantbridge/connectors/opcua/connector.h"
#include "plantbridge/dispatch/dispatcher.h"
#include "plantbridge/dispatch/random.h"
#include "plantbridge/dispatch/target_registry.h"
#include "plantbridge/http/router.h"
#include "plantbridge/http/server.h"
#include "plantbridge/hub/auth.h"
#include "plantbridge/hub/hub_api.h"
#include "plantbridge/hub/odoo_webhook.h"
#include "plantbridge/pipeline/pipeline.h"
#include "plantbridge/pipeline/pipeline_runner.h"
#include "plantbridge/pipeline/stored_master_data.h"
#include "plantbridge/store/store.h"
#include "plantbridge/targets/odoo.h"
#include "plantbridge/targets/odoo_master_data.h"
#include "plantbridge/targets/webhook.h"

namespace pb {
namespace {

TargetFactoryRegistry makeTargetRegistry() {
  TargetFactoryRegistry registry;
  // Explicit registration, one line per target kind.
  // Neither can fail on a fresh registry.
  (void)registerWebhookTarget(registry);
  (void)registerOdooTarget(registry);
  return registry;
}

ConnectorRegistry makeConnectorRegistry() {
  ConnectorRegistry registry;
  // Explicit registration, one line per connector kind; none can fail on a fresh registry.
  (void)registerOpcUaConnector(registry);
  return registry;
}

// Gauges read from the store when /metrics is scraped (not on the data path).
void addStoreCollector(MetricsRegistry& metrics, Store& store,
                       const std::vector<TargetConfig>& targets) {
  auto& journal_records = metrics.gauge("plantbridge_journal_records",
                                        "Records in the journal (its head sequence number).");
  auto& backlog = metrics.gauge("plantbridge_pipeline_backlog",
                                "Journal records not yet through the pipeline.");
  auto& dead = metrics.gauge("plantbridge_dead_letters", "Transactions in the dead-letter queue.");
  std::map<std::string, Gauge*> depth;
  for (const auto& t : targets) {
    depth[t.name] =
        &metrics.gauge("plantbridge_outbox_pending",
                       "Transactions waiting for delivery, per target.", {{"target", t.name}});
  }
  metrics.addCollector([&store, &journal_records, &backlog, &dead, depth] {
    journal_records.set(static_cast<double>(store.journal().headSeq()));
    if (auto b = store.pipeline().backlog()) backlog.set(static_cast<double>(*b));
    if (auto d = store.outbox().deadCount()) dead.set(static_cast<double>(*d));
    if (auto pending = store.outbox().pendingByTarget()) {
      for (const auto& [target, gauge] : depth) {
        auto it = pending->find(target);
        gauge->set(it == pending->end() ? 0.0 : static_cast<double>(it->second));
      }
    }
  });
}

}  // namespace

std::vector<ConfigError> checkHubConfig(const Config& config) {
  std::vector<ConfigError> errors = checkPipelineConfig(config);
  TargetFactoryRegistry registry = makeTargetRegistry();
  for (const auto& t : config.targets) {
    if (!registry.has(t.kind)) {
      errors.push_back({config.source_file, 0, "targets." + t.name + ".kind",
                        "unknown target kind '" + t.kind + "'"});
    }
  }
  for (ConfigError& e : makeConnectorRegistry().check(config)) errors.push_back(std::move(e));
  return errors;
}

struct HubRuntime::Impl {
  Impl(Config c, const Clock& clk) : config(std::move(c)), clock(clk) {}

  Config config;
  const Clock& clock;
  MetricsRegistry metrics;
  SystemRandom random;
  TargetFactoryRegistry target_registry = makeTargetRegistry();
  std::unique_ptr<Store> store;
  std::unique_ptr<StoredMasterData> master_data;  // when master_data is configured
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<PipelineRunner> runner;
  std::vector<std::unique_ptr<Target>> targets;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers;
  std::unique_ptr<OdooMasterDataSync> master_data_sync;  // uses a target's client
  ConnectorRegistry connector_registry = makeConnectorRegistry();
  std::vector<std::unique_ptr<Connector>> connectors;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<HubApi> api;
  std::unique_ptr<OdooWebhookReceiver> odoo_webhooks;  // when master_data has a webhook secret
  Router router;
  std::unique_ptr<HttpServer> server;
  bool drained = false;

  void wakeDispatchers() {
    for (auto& d : dispatchers) d->wake();
  }
};

HubRuntime::HubRuntime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HubRuntime::~HubRuntime() { drain(std::chrono::milliseconds(0)); }

Result<std::unique_ptr<HubRuntime>> HubRuntime::create(Config config, const Clock& clock) {
  auto errors = checkHubConfig(config);
  if (!errors.empty()) {
    std::string message = "the configuration has problems:";
    for (const auto& e : errors) message += "\n  " + e.toString();
    return Status::invalidArgument(message);
  }
  return std::unique_ptr<HubRuntime>(
      new HubRuntime(std::make_unique<Impl>(std::move(config), clock)));
}

Status HubRuntime::start() {
  Impl& h = *impl_;
  SqliteStoreOptions store_options;
  store_options.path = h.config.store.path;
  store_options.group_commit_window =
      std::chrono::duration_cast<Micros>(h.config.store.group_commit_window);
  auto store = openSqliteStore(store_options, h.clock);
  if (!store) return store.status();
  h.store = std::move(*store);
  addStoreCollector(h.metrics, *h.store, h.config.targets);

  if (h.config.master_data) {
    auto master_data = StoredMasterData::open(h.store->masterFacts());
    if (!master_data) return master_data.status();
    h.master_data = std::move(*master_data);
    spdlog::info("master data: {} facts loaded from the store", h.master_data->size());
  }
  auto pipeline = Pipeline::create(h.config, h.master_data.get(), h.clock, h.metrics);
  if (!pipeline) return pipeline.status();
  h.pipeline = std::move(*pipeline);

  for (const auto& target_config : h.config.targets) {
    auto target = h.target_registry.create(target_config, TargetContext{h.clock, &h.metrics});
    if (!target) return target.status();
    h.dispatchers.push_back(std::make_unique<Dispatcher>(target_config, **target, h.store->outbox(),
                                                         h.clock, h.random, h.metrics));
    h.targets.push_back(std::move(*target));
  }

  PipelineRunnerOptions runner_options;
  runner_options.on_transactions = [&h](int64_t) { h.wakeDispatchers(); };
  h.runner = std::make_unique<PipelineRunner>(*h.pipeline, h.store->journal(), h.store->pipeline(),
                                              h.metrics, runner_options);
  PB_RETURN_IF_ERROR(h.runner->start());
  for (auto& d : h.dispatchers) d->start();
  if (h.master_data) {
    // The source is an odoo target (checked by the config loader); its client is shared.
    OdooClient* client = nullptr;
    for (size_t i = 0; i < h.targets.size(); ++i) {
      if (h.config.targets[i].name == h.config.master_data->source) {
        client = odooClientOf(*h.targets[i]);
      }
    }
    if (client == nullptr) {
      return Status::invalidArgument("master_data.source: '" + h.config.master_data->source +
                                     "' is not an odoo target");
    }
    h.master_data_sync = std::make_unique<OdooMasterDataSync>(
        *client, *h.master_data, *h.config.master_data, h.config.asset_mappings, h.clock,
        &h.metrics, h.config.code_mappings);
    if (!h.config.master_data->events.empty()) {
      // Events made from Odoo's changes enter the journal exactly as a connector's do: the same
      // schema check, high-water mark and metrics (connector label "odoo:<source>").
      JournalSinkOptions sink;
      sink.connector = "odoo:" + h.config.master_data->source;
      sink.high_water_mark = h.config.store.high_water_mark;
      sink.on_appended = [&h] { h.runner->wake(); };
      h.master_data_sync->setEventSink(
          makeJournalSink(*h.store, h.pipeline->schemas(), h.metrics, h.clock, std::move(sink)),
          h.config.site);
    }
    h.master_data_sync->start();
  }

  h.auth = std::make_unique<Authenticator>(h.config.auth.tokens);
  reload();  // adds the token file's tokens, if one is configured
  h.api = std::make_unique<HubApi>(
      hubApiOptionsFrom(h.config), *h.store, h.pipeline->schemas(), *h.auth, h.metrics, h.clock,
      HubApiHooks{[&h] { h.runner->wake(); }, [&h] { h.wakeDispatchers(); }});
  PB_RETURN_IF_ERROR(h.api->registerRoutes(h.router));
  if (h.master_data_sync && !h.config.master_data->webhook_secret.empty()) {
    OdooMasterDataSync* sync = h.master_data_sync.get();
    h.odoo_webhooks = std::make_unique<OdooWebhookReceiver>(
        OdooWebhookOptions{h.config.master_data->webhook_secret, sync->hintModels(),
                           [sync](std::string_view model, int64_t id) {
                             switch (sync->hint(model, id)) {
                               case OdooMasterDataSync::HintResult::kQueued:
                                 return OdooHintOutcome::kQueued;
                               case OdooMasterDataSync::HintResult::kDuplicate:
                                 return OdooHintOutcome::kDuplicate;
                               case OdooMasterDataSync::HintResult::kQueueFull:
                                 return OdooHintOutcome::kQueueFull;
                               case OdooMasterDataSync::HintResult::kUnknownModel:
                                 break;
                             }
                             assert(false && "the receiver accepts only sync->hintModels()");
                             return OdooHintOutcome::kQueueFull;
                           }},
        h.metrics);
    PB_RETURN_IF_ERROR(h.odoo_webhooks->registerRoutes(h.router));
  }

  HttpServerOptions server_options = httpServerOptionsFrom(h.config.server);
  server_options.metrics = &h.metrics;
  h.server = std::make_unique<HttpServer>(server_options,
                                          [&h](const HttpRequest& request, Responder respond) {
                                            h.router.handle(request, std::move(respond));
                                          });
  PB_RETURN_IF_ERROR(h.server->start());
  PB_RETURN_IF_ERROR(startConnectors());

  std::string base = std::string(h.server->tlsEnabled() ? "https" : "http") + "://" +
                     h.config.server.host + ":" + std::to_string(h.server->port());
  spdlog::info("listening on {} (environment {}, store {})", base, h.config.environment,
               h.config.store.path);
  // On stdout for people and for scripts that started us on port 0.
  std::printf("plantbridge listening on %s\n", base.c_str());
  std::printf(
      "  send events:  POST %s/v1/events  (Authorization: Bearer <token with scope "
      "ingest>, JSON array or NDJSON)\n",
      base.c_str());
  std::printf("  trace:        GET  %s/v1/events/{id}   dead letters: GET %s/v1/dead-letters\n",
              base.c_str(), base.c_str());
  std::printf("  metrics:      GET  %s/metrics          health: %s/healthz, %s/readyz\n",
              base.c_str(), base.c_str(), base.c_str());
  if (h.odoo_webhooks) {
    std::printf(
        "  odoo hooks:   POST %s/v1/hooks/odoo/<the secret of master_data.webhook_secret_%s>\n",
        base.c_str(), h.config.master_data->webhook_secret_file.empty() ? "env" : "file");
  }
  std::fflush(stdout);
  return Status::ok();
}

Status HubRuntime::startConnectors() {
  Impl& h = *impl_;
  // Files of their own (certificates, trust lists) live next to the store.
  const std::string data_dir =
      std::filesystem::absolute(std::filesystem::path(h.config.store.path)).parent_path().string();
  for (const ConnectorConfig& config : h.config.connectors) {
    JournalSinkOptions sink;
    sink.connector = config.name;
    sink.high_water_mark = h.config.store.high_water_mark;
    sink.on_appended = [&h] { h.runner->wake(); };
    auto connector = h.connector_registry.create(
        config, ConnectorContext{h.clock, h.metrics,
                                 makeJournalSink(*h.store, h.pipeline->schemas(), h.metrics,
                                                 h.clock, std::move(sink)),
                                 config.site.empty() ? h.config.site : config.site, data_dir});
    if (!connector) return connector.status();
    PB_RETURN_IF_ERROR((*connector)->start());
    h.connectors.push_back(std::move(*connector));
  }
  return Status::ok();
}

uint16_t HubRuntime::port() const { return impl_->server ? impl_->server->port() : 0; }

bool HubRuntime::tls() const { return impl_->server && impl_->server->tlsEnabled(); }

void HubRuntime::reload() {
  Impl& h = *impl_;
  if (h.auth && !h.config.auth.token_file.empty()) {
    auto more = loadTokenFile(h.config.auth.token_file);
    if (!more) {
      spdlog::error("token file reload failed, keeping the previous tokens: {}",
                    more.status().toString());
    } else {
      std::vector<TokenConfig> tokens = h.config.auth.tokens;
      tokens.insert(tokens.end(), more->begin(), more->end());
      size_t n = h.auth->replaceTokens(tokens);
      spdlog::info("tokens loaded: {} ({} from {})", n, more->size(), h.config.auth.token_file);
    }
  }
  reloadTargetSecrets();
  if (h.server && h.server->tlsEnabled()) {
    if (auto s = h.server->reloadTls(); !s) {
      spdlog::error("TLS reload failed, keeping the previous certificate: {}", s.toString());
    } else {
      spdlog::info("TLS certificate reloaded");
    }
  }
}

void HubRuntime::reloadTargetSecrets() {
  Impl& h = *impl_;
  if (h.targets.empty()) return;
  // Odoo API keys live in their own files (or the environment), re-read by the client itself.
  for (size_t i = 0; i < h.targets.size(); ++i) {
    if (OdooClient* odoo = odooClientOf(*h.targets[i])) {
      if (auto s = odoo->reloadCredentials(); !s) {
        spdlog::error("target {}: API key not reloaded: {}", h.config.targets[i].name,
                      s.toString());
      } else {
        spdlog::info("target {}: API key reloaded", h.config.targets[i].name);
      }
    }
  }
  // Secrets are resolved by the config loader (files, environment); re-reading the whole file
  // is the one place that knows how, and a file that no longer loads changes nothing.
  auto loaded = loadConfig(h.config.source_file);
  if (!loaded.config) {
    spdlog::error(
        "config reload for secrets failed ({} problems, first: {}); keeping the current "
        "secrets",
        loaded.errors.size(), loaded.errors.empty() ? "" : loaded.errors.front().toString());
    return;
  }
  if (h.odoo_webhooks && loaded.config->master_data &&
      !loaded.config->master_data->webhook_secret.empty() &&
      loaded.config->master_data->webhook_secret != h.config.master_data->webhook_secret) {
    h.config.master_data->webhook_secret = loaded.config->master_data->webhook_secret;
    h.odoo_webhooks->setSecret(h.config.master_data->webhook_secret);
    spdlog::info("master_data: the Odoo webhook secret was replaced");
  }
  for (size_t i = 0; i < h.targets.size(); ++i) {
    const std::string& name = h.config.targets[i].name;
    for (const auto& fresh : loaded.config->targets) {
      if (fresh.name != name || fresh.kind != kWebhookKind) continue;
      if (fresh.webhook.hmac_secret == h.config.targets[i].webhook.hmac_secret) break;
      if (auto s = setWebhookSecret(*h.targets[i], fresh.webhook.hmac_secret); !s) {
        spdlog::error("target {}: secret not replaced: {}", name, s.toString());
      } else {
        h.config.targets[i].webhook.hmac_secret = fresh.webhook.hmac_secret;
        spdlog::info("target {}: signing secret replaced", name);
      }
      break;
    }
  }
}

void HubRuntime::drain(std::chrono::milliseconds grace) {
  Impl& h = *impl_;
  if (h.drained) return;
  h.drained = true;
  // Order matters: no new input, then the pipeline commits its batch, then deliveries in
  // flight finish (or stay pending), then the store flushes and closes.
  for (auto& c : h.connectors) c->stop();
  if (h.master_data_sync) h.master_data_sync->stop();  // an input too (its events)
  if (h.api) h.api->setDraining(true);
  if (h.server) h.server->stop(grace);
  if (h.runner) h.runner->stop();
  for (auto& d : h.dispatchers) d->stop(std::chrono::duration_cast<Micros>(grace));
  for (auto& t : h.targets) t->shutdown();
  if (h.store) h.store->close();
}

}  // namespace pb
