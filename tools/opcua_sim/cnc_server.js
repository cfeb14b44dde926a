#!/usr/bin/env node
// A small simulated CNC machine as an OPC UA server (node-opcua), the peer of plantbridge's OPC UA
// client tests. SecurityPolicy None, and Basic256Sha256 with Sign and SignAndEncrypt; Anonymous and
// one UserName user.
//
//   node cnc_server.js [--port N] [--pki-dir DIR] [--simulate-ms N]
//
// --port 0 (the default) picks a free port on 127.0.0.1. When the server accepts connections it
// prints exactly one line "ready opc.tcp://127.0.0.1:PORT" on stdout; tests wait for it instead
// of sleeping. stdout carries nothing else (node-opcua's own logging goes to stderr).
// --alarm-every N (with --simulate-ms) toggles AlarmActive every N ticks.
// Recovery tests and the benchmark (a restarted server keeps its port with --port N):
// --part-counter-start N starts PartCounter at N (values "changed while it was down");
// --numeric-node-ids BASE serves CNC07 and its variables as ns=<cnc>;i=BASE, BASE+1, ... instead
// of s=CNC07.<name> (node ids changed by a server update; the browse paths stay);
// --bulk-items N --bulk-interval-ms M adds Objects/Load with Item0000.. (Int32, s=Load.ItemNNNN),
// all counting up every M ms (default 100);
// SIGUSR1 drops every client connection without closing sessions (a network drop) and prints
// "dropped N" on stdout.
// --simulate-ms N (default 0: values stay put) runs the machine: every N ms PartCounter counts
// up by one; SpindleSpeed jitters by +-0.5 rpm with a step of +100 rpm every fifth tick, so an
// absolute deadband of 10 passes the steps and drops the jitter; SpindleLoad (an AnalogItem,
// EURange 0..100 %) jitters by +-0.5 with steps of 20, for a percent deadband.
// Objects/CNC07 (ns = urn:plantbridge:opcua-sim:cnc) holds SpindleSpeed (Double), PartCounter
// (UInt32), AlarmActive (Boolean), ProgramName (String) and SpindleLoad (Double), as
// s=CNC07.<name>; Objects/Bulk holds Tag00..Tag24 (Int32) for browsing with continuation
// points.
// UserName login: operator / cnc-07-secret. SIGTERM/SIGINT shut it down.
// Security: client certificates are accepted automatically (and kept in
// <pki-dir>/server/trusted); before the ready line the server's own certificate is written, DER,
// to <pki-dir>/server_certificate.der, for a test to put into its client's trust list.
"use strict";

// stdout is the test's channel: keep the SDK's console output off it.
for (const name of ["log", "info", "warn", "error", "debug"]) {
  console[name] = (...args) => process.stderr.write(`${util.format(...args)}\n`);
}

const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const util = require("util");
const {
  OPCUAServer,
  OPCUACertificateManager,
  DataType,
  Variant,
  SecurityPolicy,
  MessageSecurityMode,
  UserTokenPolicy,
  UserTokenType,
} = require("node-opcua");

const kUser = { name: "operator", password: "cnc-07-secret" };
const kNamespaceUri = "urn:plantbridge:opcua-sim:cnc";

function parseArgs(argv) {
  const args = {
    port: 0,
    pkiDir: path.join(os.tmpdir(), `pb-opcua-sim-pki-${process.pid}`),
    simulateMs: 0,
    alarmEvery: 0,
    partCounterStart: 0,
    numericNodeIds: 0,
    bulkItems: 0,
    bulkIntervalMs: 100,
  };
  for (let i = 2; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === "--port") args.port = Number.parseInt(value, 10);
    else if (key === "--pki-dir") args.pkiDir = value;
    else if (key === "--simulate-ms") args.simulateMs = Number.parseInt(value, 10);
    else if (key === "--alarm-every") args.alarmEvery = Number.parseInt(value, 10);
    else if (key === "--part-counter-start") args.partCounterStart = Number.parseInt(value, 10);
    else if (key === "--numeric-node-ids") args.numericNodeIds = Number.parseInt(value, 10);
    else if (key === "--bulk-items") args.bulkItems = Number.parseInt(value, 10);
    else if (key === "--bulk-interval-ms") args.bulkIntervalMs = Number.parseInt(value, 10);
    else throw new Error(`unknown option ${key}`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new Error("--port must be 0..65535");
  }
  if (!Number.isInteger(args.simulateMs) || args.simulateMs < 0) {
    throw new Error("--simulate-ms must be a whole number >= 0");
  }
  return args;
}

// node-opcua needs a concrete port for its endpoint URLs, so port 0 is resolved here first.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// A UserName token policy without a security policy of its own on the None endpoint, i.e. a
// plain-text password: what plantbridge's client supports until Basic256Sha256 lands.
// node-opcua has this as endpoint option allowUnsecurePassword, but OPCUAServer (2.160 to 2.182 at least) does not
// pass it on (a TODO in opcua_server.js), so the policy is added to the descriptions here.
function allowPlainPasswordOnNone(server) {
  for (const endpoint of server.endpoints) {
    for (const description of endpoint.endpointDescriptions()) {
      if (description.securityMode !== MessageSecurityMode.None) continue;
      description.userIdentityTokens.push(
        new UserTokenPolicy({
          policyId: "username_unsecure",
          tokenType: UserTokenType.UserName,
          securityPolicyUri: null,
        }),
      );
    }
  }
}

// The machine's node ids: strings by default, numbers from `numericBase` when it is > 0.
function machineNodeIds(numericBase) {
  let next = numericBase;
  return (name) => (numericBase > 0 ? `i=${next++}` : name === "" ? "s=CNC07" : `s=CNC07.${name}`);
}

function addMachine(server, args = {}) {
  const machineId = machineNodeIds(args.numericNodeIds || 0);
  const addressSpace = server.engine.addressSpace;
  const namespace = addressSpace.registerNamespace(kNamespaceUri);
  const machine = namespace.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: "CNC07",
    nodeId: machineId(""),
  });
  const state = {
    SpindleSpeed: { dataType: DataType.Double, value: 1200.0 },
    PartCounter: { dataType: DataType.UInt32, value: (args.partCounterStart || 0) >>> 0 },
    AlarmActive: { dataType: DataType.Boolean, value: false },
    ProgramName: { dataType: DataType.String, value: "O1001-BRACKET" },
  };
  for (const [name, entry] of Object.entries(state)) {
    namespace.addVariable({
      componentOf: machine,
      browseName: name,
      nodeId: machineId(name),
      dataType: DataType[entry.dataType],
      minimumSamplingInterval: 50,
      value: {
        get: () => new Variant({ dataType: entry.dataType, value: entry.value }),
      },
    });
  }
  // An AnalogItem (with an EURange), so a percent deadband has a range to be a percent of.
  state.SpindleLoad = { dataType: DataType.Double, value: 40.0 };
  namespace.addAnalogDataItem({
    componentOf: machine,
    browseName: "SpindleLoad",
    nodeId: machineId("SpindleLoad"),
    dataType: "Double",
    engineeringUnitsRange: { low: 0, high: 100 },
    minimumSamplingInterval: 50,
    value: {
      get: () => new Variant({ dataType: DataType.Double, value: state.SpindleLoad.value }),
    },
  });

  const bulk = namespace.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: "Bulk",
    nodeId: "s=Bulk",
  });
  for (let i = 0; i < 25; i += 1) {
    const name = `Tag${String(i).padStart(2, "0")}`;
    namespace.addVariable({
      componentOf: bulk,
      browseName: name,
      nodeId: `s=Bulk.${name}`,
      dataType: "Int32",
      value: { dataType: DataType.Int32, value: i },
    });
  }
  return state;
}

// alarmEvery > 0: AlarmActive toggles every alarmEvery ticks (raised, then cleared).
function simulate(state, everyMs, alarmEvery) {
  let tick = 0;
  let base = state.SpindleSpeed.value;
  let load = state.SpindleLoad.value;
  return setInterval(() => {
    tick += 1;
    const jitter = tick % 2 === 0 ? 0.5 : -0.5;
    state.PartCounter.value = (state.PartCounter.value + 1) >>> 0;
    if (tick % 5 === 0) {
      base = base >= 3000 ? 1200 : base + 100;
      load = load >= 80 ? 20 : load + 20;
    }
    state.SpindleSpeed.value = base + jitter;
    state.SpindleLoad.value = load + jitter;
    if (alarmEvery > 0 && tick % alarmEvery === 0) {
      state.AlarmActive.value = !state.AlarmActive.value;
    }
  }, everyMs);
}

// Objects/Load: `count` Int32 items, all counting up every `everyMs` ms (the benchmark's load).
function addLoadItems(server, count, everyMs) {
  if (!(count > 0)) return null;
  const addressSpace = server.engine.addressSpace;
  const namespace = addressSpace.getNamespace(kNamespaceUri);
  const load = namespace.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: "Load",
    nodeId: "s=Load",
  });
  let value = 0;
  for (let i = 0; i < count; i += 1) {
    const name = `Item${String(i).padStart(4, "0")}`;
    namespace.addVariable({
      componentOf: load,
      browseName: name,
      nodeId: `s=Load.${name}`,
      dataType: "Int32",
      minimumSamplingInterval: 50,
      value: { get: () => new Variant({ dataType: DataType.Int32, value: value + i }) },
    });
  }
  return setInterval(() => {
    value = (value + 1) | 0;
  }, everyMs);
}

// The TCP connections of clients, so SIGUSR1 can cut them as a network drop would.
function trackSockets(server) {
  const sockets = new Set();
  for (const endpoint of server.endpoints) {
    endpoint._server.on("connection", (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  }
  return sockets;
}

async function main() {
  const args = parseArgs(process.argv);
  const port = args.port === 0 ? await freePort() : args.port;
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(args.pkiDir, "server"),
    automaticallyAcceptUnknownCertificate: true,
  });
  const server = new OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    serverCertificateManager,
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: true,
    userManager: {
      isValidUser: (userName, password) => userName === kUser.name && password === kUser.password,
    },
    buildInfo: { productName: "plantbridge CNC simulator", buildNumber: "1" },
    serverInfo: { applicationUri: "urn:plantbridge:opcua-sim", productUri: "plantbridge-opcua-sim" },
  });
  await server.initialize();
  allowPlainPasswordOnNone(server);
  const state = addMachine(server, args);
  const bulkTimer = addLoadItems(server, args.bulkItems, args.bulkIntervalMs);
  await server.start();
  fs.writeFileSync(path.join(args.pkiDir, "server_certificate.der"), server.getCertificate());
  const sockets = trackSockets(server);
  process.stdout.write(`ready opc.tcp://127.0.0.1:${port}\n`);

  const timer = args.simulateMs > 0 ? simulate(state, args.simulateMs, args.alarmEvery) : null;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    if (bulkTimer) clearInterval(bulkTimer);
    await server.shutdown(0);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGUSR1", () => {
    const count = sockets.size;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    process.stdout.write(`dropped ${count}\n`);
  });
}

main().catch((error) => {
  process.stderr.write(`cnc_server: ${error.stack || error}\n`);
  process.exit(1);
});
