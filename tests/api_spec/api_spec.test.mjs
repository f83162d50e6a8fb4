// tests/api_spec: docs/openapi.yaml against the server it describes. The spec
// must be a valid OpenAPI 3.1 document; a real maptable-server (port 0, a
// temporary data dir, an admin key) gets every documented operation at least
// once for a success and once for each documented failure, and every answer
// must be listed in the spec with its content type, required headers and a
// body its schema accepts; every route the server's sources dispatch on must
// be in the spec. Room content (features, chat, comments, votes, a session, a
// deletion, a removal) comes from the command-line client over the WebSocket.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const specPath = process.env.MAPTABLE_OPENAPI ?? join(repo, "docs", "openapi.yaml");
const serverBinary = process.env.MAPTABLE_SERVER_BINARY ?? join(repo, "build", "server", "maptable-server");
// The CLI is built beside the server (build/client-sdk/maptable next to build/server/).
const cliBinary = process.env.MAPTABLE_CLI_BINARY ?? join(dirname(serverBinary), "..", "client-sdk", "maptable");

const adminKey = "api-spec-admin-key";
const run = promisify(execFile);

// ---------------------------------------------------------------- the spec

const validator = new Validator();
const specCheck = await validator.validate(readFileSync(specPath, "utf8"));
// Every $ref replaced by what it points at: operations and schemas read directly.
const spec = specCheck.valid ? validator.resolveRefs() : validator.specification;

const ajv = new Ajv2020({ allErrors: true, strict: true });
function conformsTo(schema, value, what) {
    const validate = ajv.compile(schema);
    if (!validate(value))
        assert.fail(`${what} does not match the spec: ${ajv.errorsText(validate.errors)}\n` +
                    `value: ${JSON.stringify(value).slice(0, 600)}`);
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A template "/v1/rooms/{id}/state" as a regular expression; a parameter is one segment.
const templates = Object.keys(spec.paths ?? {}).map((path) => ({
    path,
    regex: new RegExp("^" + path.split(/(\{[^}]+\})/).map((p) => (p.startsWith("{") ? "[^/]+" : escapeRe(p))).join("") + "$"),
    params: (path.match(/\{/g) ?? []).length,
}));
// The spec path a request path falls under: a literal path wins over a template.
function templateOf(path) {
    return templates.filter((t) => t.regex.test(path)).sort((a, b) => a.params - b.params)[0]?.path;
}
const operationsOf = (template) => methods.filter((m) => spec.paths[template][m]);

// "GET /v1/rooms/{id}/state 403": every documented answer the test saw.
const covered = new Set();

// Checks one answer against the spec: the path and method are documented, the
// status is listed for them, the required headers are there and match, the
// content type is one the spec lists and the body matches its schema.
function conforms(method, target, res) {
    const path = target.split("?")[0];
    const template = templateOf(path);
    const what = `${method} ${target} -> ${res.status}`;
    assert.ok(template, `${what}: no path of the spec matches ${path}`);
    let ops = [method.toLowerCase()];
    if (!spec.paths[template][ops[0]]) {
        // A method the path does not take: 405, as every operation of the path says.
        assert.equal(res.status, 405, `${what}: the spec has no ${method} on ${template}, so 405 was expected (${res.text.slice(0, 200)})`);
        ops = operationsOf(template);
        assert.ok(res.headers.allow, `${what}: a 405 must say in Allow which methods the path takes`);
        const allowed = new Set(res.headers.allow.split(",").map((m) => m.trim().toLowerCase()).filter((m) => m !== "head"));
        assert.deepEqual([...allowed].sort(), [...ops].sort(),
                         `${what}: the server's Allow (${res.headers.allow}) and the spec's operations of ${template} differ`);
    }
    for (const op of ops) {
        const response = spec.paths[template][op].responses[String(res.status)];
        assert.ok(response, `${what}: ${op.toUpperCase()} ${template} does not list status ${res.status} (body: ${res.text.slice(0, 300)})`);
        for (const [name, header] of Object.entries(response.headers ?? {})) {
            const value = res.headers[name.toLowerCase()];
            if (header.required)
                assert.ok(value !== undefined, `${what}: the spec requires the header ${name}`);
            if (value !== undefined && header.schema)
                conformsTo(header.schema, value, `${what}: header ${name}`);
        }
        if (!response.content) {
            assert.equal(res.text, "", `${what}: the spec gives this answer no body`);
        } else {
            const type = (res.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
            const media = response.content[type] ?? response.content["*/*"];
            assert.ok(media, `${what}: content type '${res.headers["content-type"]}' is not among ${Object.keys(response.content)}`);
            if (media.schema) {
                const isJson = type === "application/json" || type.endsWith("+json");
                conformsTo(media.schema, isJson ? JSON.parse(res.text) : res.text, `${what}: body`);
            }
        }
        covered.add(`${op.toUpperCase()} ${template} ${res.status}`);
    }
    return res;
}

// ---------------------------------------------------------------- the server

let port;
let dataDir;
let webRoot;
const servers = [];

function startServer(args) {
    return new Promise((resolveStart, reject) => {
        const child = spawn(serverBinary, ["--port", "0", "--log-level", "warn", ...args], { stdio: ["ignore", "pipe", "pipe"] });
        servers.push(child);
        let out = "";
        let err = "";
        child.stderr.on("data", (b) => (err += b));
        child.stdout.on("data", (b) => {
            out += b;
            const m = out.match(/maptable-server listening on 127\.0\.0\.1:(\d+)/);
            if (m)
                resolveStart(Number(m[1]));
        });
        child.on("exit", (code) => reject(new Error(`maptable-server exited (${code}) before listening: ${err}`)));
    });
}

function send(serverPort, method, target, { body, headers = {}, auth } = {}) {
    return new Promise((resolveRes, reject) => {
        const h = { ...headers };
        if (auth)
            h.Authorization = `Bearer ${auth}`;
        let payload;
        if (Buffer.isBuffer(body)) {
            payload = body;       // a file: its Content-Type is the caller's
        } else if (body !== undefined) {
            payload = typeof body === "string" ? body : JSON.stringify(body);
            h["Content-Type"] ??= "application/json";
        }
        const req = http.request({ host: "127.0.0.1", port: serverPort, method, path: target, headers: h, agent: false });
        req.on("error", reject);
        req.on("upgrade", (res, socket) => {
            socket.destroy();
            resolveRes({ status: res.statusCode, headers: res.headers, text: "" });
        });
        req.on("response", (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (text += c));
            res.on("end", () => resolveRes({ status: res.statusCode, headers: res.headers, text }));
        });
        req.end(payload);
    });
}

// A request to the test server whose answer must conform to the spec; expect
// is the status the test means to provoke. A JSON body the server took must
// match the operation's request schema, and one it refused with 400 must not:
// so the request schemas say what the server takes, no more and no less.
async function call(method, target, expect, options = {}) {
    const res = await send(port, method, target, options);
    assert.equal(res.status, expect, `${method} ${target}: expected ${expect}, got ${res.status}: ${res.text.slice(0, 300)}`);
    conforms(method, target, res);
    const schema = spec.paths[templateOf(target.split("?")[0])][method.toLowerCase()]?.requestBody?.content?.["application/json"]?.schema;
    if (schema && typeof options.body === "object") {
        const accepted = ajv.compile(schema)(options.body);
        if (res.status < 300)
            assert.ok(accepted, `${method} ${target}: the server took ${JSON.stringify(options.body)}, the request schema refuses it`);
        if (res.status === 400)
            assert.ok(!accepted, `${method} ${target}: the server refused ${JSON.stringify(options.body)} (${res.text.trim()}), the request schema takes it`);
    }
    return res;
}
const admin = { auth: adminKey };

async function cli(token, ...args) {
    const { stdout } = await run(cliBinary, ["--url", `ws://127.0.0.1:${port}/v1/ws`, "--token", token, ...args], { timeout: 30000 });
    return stdout;
}

// The room and its people: the tests below make them, in order.
const room = "harbour";
const t = {};
let featureId;
let deletedFeatureId;
let sessionId;

async function mint(roomId, role, name, subject) {
    const res = await call("POST", `/v1/admin/rooms/${roomId}/tokens`, 201, { ...admin, body: { role, name, subject } });
    return JSON.parse(res.text);
}

before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "maptable-api-spec-"));
    webRoot = join(dataDir, "web");
    mkdirSync(join(webRoot, "assets"), { recursive: true });
    writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>maptable</title>\n");
    writeFileSync(join(webRoot, "robots.txt"), "User-agent: *\n");
    writeFileSync(join(webRoot, "assets", "app-1a2b3c4d.js"), "console.log('maptable');\n");
    port = await startServer(["--data-dir", join(dataDir, "data"), "--admin-key", adminKey, "--web-root", webRoot]);
});

after(async () => {
    // Each server ends its commits and closes its database before the files go.
    await Promise.all(servers.map((child) => new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null)
            return done();
        child.once("exit", done);
        child.kill("SIGTERM");
    })));
    if (dataDir)
        rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- the document

test("docs/openapi.yaml is a valid OpenAPI 3.1 document", () => {
    assert.ok(specCheck.valid, `not valid OpenAPI: ${JSON.stringify(specCheck.errors, null, 1)}`);
    assert.equal(validator.version, "3.1");
    // Its examples are what a reader copies: each must match its schema.
    for (const [name, schema] of Object.entries(spec.components.schemas))
        for (const example of schema.examples ?? [])
            conformsTo(schema, example, `the example of ${name}`);
});

// The routes the server serves, read from the literals its dispatchers match
// on in server/net/*.cpp. Three kinds, each with the form it has there:
//  - exact paths: `path == "/healthz"`, or a constant `..._path = "/v1/ws"`;
//    each must be a path of the spec as it is (not merely match the web
//    app's `/{file}`);
//  - prefixes: a constant `..._prefix = "/v1/rooms/"`;
//  - sub-routes: the rest of a path compared with a literal, by the variable
//    each dispatcher keeps it in (the table below says where each is mounted).
// A new literal route of any of these forms must be in the spec; a dispatcher
// with a new variable name fails here until it is added to the table.
const subRouteMounts = {
    action: "/v1/admin/rooms/{id}/",     // admin_room_routes.cpp: /v1/admin/rooms/{id}/{action}
    what: "/v1/rooms/{id}/export/",      // export_routes.cpp: /v1/rooms/{id}/export/{what}
    rest: "/v1/rooms/{id}/",             // export_routes.cpp: /v1/rooms/{id}/{rest}
    webhook_action: "/v1/admin/webhooks/{webhook}/",   // webhook_routes.cpp: /v1/admin/webhooks/{webhook}/{webhook_action}
};

function routesInSources() {
    const dir = join(repo, "server", "net");
    const exact = new Set();
    const prefixes = new Set();
    const sub = new Set();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpp") || f.endsWith(".hpp"))) {
        const source = readFileSync(join(dir, file), "utf8").replace(/\/\/[^\n]*/g, "");   // comments are not routes
        for (const m of source.matchAll(/\bpath\s*==\s*"(\/[^"]*)"/g))
            exact.add(m[1]);
        for (const m of source.matchAll(/std::string_view\s+\w+_path\s*=\s*"(\/[^"]*)"/g))
            exact.add(m[1]);
        for (const m of source.matchAll(/std::string_view\s+\w+_prefix\s*=\s*"(\/[^"]*)"/g))
            prefixes.add(m[1]);
        for (const m of source.matchAll(/\b(\w+)\s*==\s*"([A-Za-z][A-Za-z0-9._-]*)"/g)) {
            // Only comparisons of a path's rest: variables named as the table says.
            if (m[1] in subRouteMounts)
                sub.add(subRouteMounts[m[1]] + m[2]);
        }
        for (const m of source.matchAll(/\b(\w+)\.starts_with\("([A-Za-z][A-Za-z0-9._-]*\/)"\)/g)) {
            if (m[1] in subRouteMounts)
                prefixes.add(subRouteMounts[m[1]] + m[2]);
        }
    }
    return { exact, prefixes, sub };
}

test("every route the server's sources dispatch on is in the spec", () => {
    const { exact, prefixes, sub } = routesInSources();
    // The extraction itself must keep finding the routes it knows of.
    for (const known of ["/healthz", "/metrics", "/v1/ws", "/config.json", "/v1/admin/revocations", "/v1/admin/rooms"])
        assert.ok(exact.has(known), `the extraction no longer finds ${known} in server/net: update routesInSources`);
    assert.ok(sub.has("/v1/rooms/{id}/export/geojson") && sub.has("/v1/admin/rooms/{id}/tokens") && sub.has("/v1/rooms/{id}/state"),
              "the extraction no longer finds the sub-routes: update subRouteMounts");
    const specPaths = Object.keys(spec.paths);
    const missing = [];
    for (const path of exact)
        if (!specPaths.includes(path))
            missing.push(path);
    for (const path of sub)
        if (!specPaths.includes(path))
            missing.push(path);
    for (const prefix of prefixes)
        if (!specPaths.some((p) => p.startsWith(prefix)))
            missing.push(prefix + "...");
    assert.deepEqual(missing, [], `routes served but not in docs/openapi.yaml: ${missing.join(", ")}`);
});

// A path the spec has but the server does not serve answers 404; one it
// serves answers a method no route of it takes (DELETE, or PUT where DELETE
// is an operation of the path, so the probe changes nothing) with 405 and
// the methods it does take, which must be the spec's operations of the path
// (conforms checks the Allow).
test("every path of the spec is served, with the methods the spec lists", async () => {
    const example = { id: room, file: "robots.txt", webhook: "wh_0000000000000000" };
    for (const template of Object.keys(spec.paths)) {
        const target = template.replace(/\{(\w+)\}/g, (_, name) => example[name] ?? "x");
        const probe = (["delete", "put", "trace"].find((m) => !spec.paths[template][m]) ?? "trace").toUpperCase();
        const res = await send(port, probe, target, admin);
        assert.notEqual(res.status, 404, `${template} (${target}): the server has no such route: ${res.text.slice(0, 200)}`);
        conforms(probe, target, res);
    }
});

// ---------------------------------------------------------------- admin API: rooms and tokens

test("rooms: create, list, read, change, archive, reopen", async () => {
    const created = await call("POST", "/v1/admin/rooms", 201, {
        ...admin,
        body: {
            id: room, title: "Harbour lab", description: "Waterfront, phase 2", city: "Cape Town",
            center: { lon: 18.42, lat: -33.92 }, zoom: 13,
            bounds: { south_west: { lon: 18.3, lat: -34.0 }, north_east: { lon: 18.5, lat: -33.8 } },
        },
    });
    assert.equal(JSON.parse(created.text).seq, 1);
    await call("POST", "/v1/admin/rooms", 201, { ...admin, body: { id: "elsewhere", title: "Elsewhere", center: { lon: 1, lat: 2 }, zoom: 3 } });
    // Generated id.
    await call("POST", "/v1/admin/rooms", 201, { ...admin, body: { title: "No id", center: { lon: 1, lat: 2 }, zoom: 3 } });
    await call("POST", "/v1/admin/rooms", 409, { ...admin, body: { id: room, title: "Again", center: { lon: 1, lat: 2 }, zoom: 3 } });
    await call("POST", "/v1/admin/rooms", 400, { ...admin, body: { id: "x", center: { lon: 1, lat: 2 }, zoom: 3 } });
    await call("POST", "/v1/admin/rooms", 400, { ...admin, body: { id: "x", title: "X", center: { lon: 1, lat: 2 }, zoom: 99 } });
    await call("POST", "/v1/admin/rooms", 400, { ...admin, body: "not json" });
    await call("POST", "/v1/admin/rooms", 401, { body: { title: "X", center: { lon: 1, lat: 2 }, zoom: 3 } });
    await call("POST", "/v1/admin/rooms", 401, { auth: "wrong", body: { title: "X", center: { lon: 1, lat: 2 }, zoom: 3 } });

    const list = await call("GET", "/v1/admin/rooms", 200, admin);
    assert.ok(JSON.parse(list.text).rooms.some((r) => r.id === room));
    await call("GET", "/v1/admin/rooms", 401);

    await call("GET", `/v1/admin/rooms/${room}`, 200, admin);
    await call("GET", "/v1/admin/rooms/never-created", 404, admin);
    await call("GET", "/v1/admin/rooms/bad!id", 404, admin);
    await call("GET", `/v1/admin/rooms/${room}`, 401);

    await call("PATCH", `/v1/admin/rooms/${room}`, 200, { ...admin, body: { description: "Waterfront, phase 3" } });
    await call("PATCH", `/v1/admin/rooms/${room}`, 400, { ...admin, body: {} });
    await call("PATCH", `/v1/admin/rooms/${room}`, 400, { ...admin, body: { colour: "red" } });
    await call("PATCH", "/v1/admin/rooms/never-created", 404, { ...admin, body: { title: "X" } });
    await call("PATCH", `/v1/admin/rooms/${room}`, 401, { body: { title: "X" } });

    // Archive and reopen a room of its own: harbour gets its content below.
    await call("POST", "/v1/admin/rooms/elsewhere/archive", 200, admin);
    await call("POST", "/v1/admin/rooms/elsewhere/archive", 409, admin);
    await call("PATCH", "/v1/admin/rooms/elsewhere", 409, { ...admin, body: { title: "Closed" } });
    await call("POST", "/v1/admin/rooms/elsewhere/unarchive", 200, admin);
    await call("POST", "/v1/admin/rooms/elsewhere/unarchive", 409, admin);
    for (const action of ["archive", "unarchive"]) {
        await call("POST", `/v1/admin/rooms/never-created/${action}`, 404, admin);
        await call("POST", `/v1/admin/rooms/${room}/${action}`, 401);
    }
    // Not a route: the spec has no path for it, the server a JSON 404.
    const unknown = await send(port, "GET", `/v1/admin/rooms/${room}/no-such-action`, admin);
    assert.equal(unknown.status, 404);
    conformsTo(spec.components.schemas.Error, JSON.parse(unknown.text), "an unknown room action's answer");
});

test("tokens: minted for each role, refused for bad requests", async () => {
    t.ana = await mint(room, "facilitator", "Ana", "ana");
    t.ben = await mint(room, "participant", "Ben", "ben");
    t.olu = await mint(room, "observer", "Olu", "olu");
    t.carl = await mint(room, "facilitator", "Carl", "carl");
    t.dan = await mint(room, "facilitator", "Dan", "dan");
    t.other = await mint("elsewhere", "facilitator", "Ana", "ana");
    await call("POST", `/v1/admin/rooms/${room}/tokens`, 400, { ...admin, body: { role: "admin", name: "Eve" } });
    await call("POST", `/v1/admin/rooms/${room}/tokens`, 400, { ...admin, body: { role: "participant", name: "Eve", expires_in: 0 } });
    await call("POST", "/v1/admin/rooms/never-created/tokens", 404, { ...admin, body: { role: "participant", name: "Eve" } });
    await call("POST", `/v1/admin/rooms/${room}/tokens`, 401, { body: { role: "participant", name: "Eve" } });
});

// ---------------------------------------------------------------- breakout groups

test("breakouts: start, token, broadcast, end and their refusals", async () => {
    const base = `/v1/rooms/${room}/breakouts`;
    const start = { mode: "by_hand", minutes: 5, groups: [{ name: "North", participant_ids: ["ben"] }] };
    for (const p of ["", "/end", "/token"]) await call("DELETE", base + p, 405, admin);
    await call("DELETE", base + "/broadcast", 405, admin);
    await call("POST", `${base}/end`, 409, { auth: t.ana.token });
    await call("POST", `${base}/broadcast`, 409, { auth: t.ana.token, body: { text: "hi" } });
    await call("POST", `${base}/token`, 409, { auth: t.ben.token });
    await call("POST", base, 400, { auth: t.ana.token, body: { mode: "by_lottery" } });
    await call("POST", base, 401, { body: start });
    await call("POST", base, 403, { auth: t.ben.token, body: start });
    await call("POST", "/v1/rooms/bad!id/breakouts", 404, { auth: t.ana.token, body: start });
    await call("POST", base, 201, { auth: t.ana.token, body: start });
    await call("POST", base, 409, { auth: t.ana.token, body: start });
    await call("POST", `${base}/token`, 200, { auth: t.ben.token });
    await call("POST", `${base}/token`, 401);
    await call("POST", `${base}/token`, 403, { auth: t.other.token });
    await call("POST", `${base}/token?group=g9`, 404, { auth: t.ana.token });
    await call("POST", "/v1/rooms/bad!id/breakouts/token", 404, { auth: t.ben.token });
    await call("POST", `${base}/broadcast`, 400, { auth: t.ana.token, body: { text: "" } });
    await call("POST", `${base}/broadcast`, 401, { body: { text: "x" } });
    await call("POST", `${base}/broadcast`, 403, { auth: t.ben.token, body: { text: "x" } });
    await call("POST", "/v1/rooms/bad!id/breakouts/broadcast", 404, { auth: t.ana.token, body: { text: "x" } });
    await call("POST", `${base}/broadcast`, 200, { auth: t.ana.token, body: { text: "Five minutes" } });
    await call("POST", `${base}/end`, 401);
    await call("POST", `${base}/end`, 403, { auth: t.ben.token });
    await call("POST", "/v1/rooms/bad!id/breakouts/end", 404, { auth: t.ana.token });
    await call("POST", `${base}/end`, 200, { auth: t.ana.token });
});

test("revocations: revoke a token id, list them", async () => {
    await call("POST", "/v1/admin/revocations", 204, { ...admin, body: { jti: t.dan.jti, expires_at: t.dan.expires_at } });
    await call("POST", "/v1/admin/revocations", 204, { ...admin, body: { jti: "t-0000000000000000" } });
    await call("POST", "/v1/admin/revocations", 400, { ...admin, body: { expires_at: 1 } });
    await call("POST", "/v1/admin/revocations", 400, { ...admin, body: { jti: "x".repeat(129) } });
    await call("POST", "/v1/admin/revocations", 401, { body: { jti: "t-0000000000000000" } });
    const list = JSON.parse((await call("GET", "/v1/admin/revocations", 200, admin)).text);
    assert.deepEqual(list.map((e) => e.jti), ["t-0000000000000000", t.dan.jti].sort());
    await call("GET", "/v1/admin/revocations", 401);
});

// ---------------------------------------------------------------- admin API: webhooks

test("webhooks: register, list, read, reactivate, delete", async () => {
    // Nothing listens on port 9 of loopback: deliveries fail and are retried,
    // which changes none of the answers below.
    const hook = "http://127.0.0.1:9/maptable";
    const created = JSON.parse((await call("POST", "/v1/admin/webhooks", 201, {
        ...admin, body: { url: hook, room, kinds: ["feature", "vote.closed"] },
    })).text);
    assert.match(created.secret, /^whsec_/);
    assert.equal(created.deliveries[0].room, room);
    await call("POST", "/v1/admin/webhooks", 201, { ...admin, body: { url: "http://localhost:9/all", room: "elsewhere", kinds: ["*"], scope: "room" } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: "ftp://example.org/x", room, kinds: ["chat"] } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: "http://example.org/x", room, kinds: ["chat"] } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: hook, room, kinds: ["presence"] } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: hook, room, kinds: [] } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: hook, room: "no spaces", kinds: ["chat"] } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: { url: hook, room, kinds: ["chat"], scope: "network" } });
    await call("POST", "/v1/admin/webhooks", 400, { ...admin, body: "not json" });
    await call("POST", "/v1/admin/webhooks", 401, { body: { url: hook, room, kinds: ["chat"] } });
    // Sixteen endpoints per room at most.
    for (let i = 0; i < 16; i++)
        await call("POST", "/v1/admin/webhooks", 201, { ...admin, body: { url: `${hook}/${i}`, room: "crowded", kinds: ["*"] } });
    await call("POST", "/v1/admin/webhooks", 409, { ...admin, body: { url: hook, room: "crowded", kinds: ["*"] } });

    const list = JSON.parse((await call("GET", "/v1/admin/webhooks", 200, admin)).text);
    assert.deepEqual(list.map((e) => e.id).includes(created.id), true);
    assert.ok(list.every((e) => e.secret === undefined), "a list shows no secret");
    await call("GET", "/v1/admin/webhooks", 401);

    const one = JSON.parse((await call("GET", `/v1/admin/webhooks/${created.id}`, 200, admin)).text);
    assert.equal(one.secret, undefined);
    await call("GET", "/v1/admin/webhooks/wh_0000000000000000", 404, admin);
    await call("GET", `/v1/admin/webhooks/${created.id}`, 401);

    await call("POST", `/v1/admin/webhooks/${created.id}/reactivate`, 200, admin);
    await call("POST", "/v1/admin/webhooks/wh_0000000000000000/reactivate", 404, admin);
    await call("POST", `/v1/admin/webhooks/${created.id}/reactivate`, 401);

    await call("DELETE", `/v1/admin/webhooks/${created.id}`, 401);
    await call("DELETE", `/v1/admin/webhooks/${created.id}`, 204, admin);
    await call("DELETE", `/v1/admin/webhooks/${created.id}`, 404, admin);
});

test("admin paths answer 405 with the methods the spec lists", async () => {
    for (const target of ["/v1/admin/rooms", `/v1/admin/rooms/${room}`, `/v1/admin/rooms/${room}/archive`,
                          `/v1/admin/rooms/${room}/unarchive`, `/v1/admin/rooms/${room}/tokens`, "/v1/admin/revocations",
                          "/v1/admin/webhooks", "/v1/admin/webhooks/wh_0000000000000000/reactivate"])
        await call("DELETE", target, 405, admin);
    await call("PUT", "/v1/admin/webhooks/wh_0000000000000000", 405, admin);
});

test("without an admin key the admin API does not exist: 404 everywhere", async () => {
    const keyless = await startServer(["--data-dir", join(dataDir, "keyless")]);
    const probes = [["GET", "/v1/admin/rooms"], ["POST", "/v1/admin/rooms"], ["GET", `/v1/admin/rooms/${room}`],
                    ["PATCH", `/v1/admin/rooms/${room}`], ["POST", `/v1/admin/rooms/${room}/archive`],
                    ["POST", `/v1/admin/rooms/${room}/unarchive`], ["POST", `/v1/admin/rooms/${room}/tokens`],
                    ["GET", "/v1/admin/revocations"], ["POST", "/v1/admin/revocations"],
                    ["GET", "/v1/admin/webhooks"], ["POST", "/v1/admin/webhooks"],
                    ["GET", "/v1/admin/webhooks/wh_0000000000000000"], ["DELETE", "/v1/admin/webhooks/wh_0000000000000000"],
                    ["POST", "/v1/admin/webhooks/wh_0000000000000000/reactivate"],
                    ["GET", "/v1/admin/networks"], ["POST", "/v1/admin/networks"]];
    for (const [method, target] of probes) {
        const res = await send(keyless, method, target, { ...admin, body: method === "GET" || method === "DELETE" ? undefined : { title: "X" } });
        assert.equal(res.status, 404, `${method} ${target} on a server without an admin key`);
        conforms(method, target, res);
    }
});

// ---------------------------------------------------------------- room content, over the WebSocket

test("the room gets features, chat, a thread, a vote, a session, a deletion and a removal", async () => {
    featureId = (await cli(t.ana.token, "mark", "18.42", "-33.92", "Benches", "--category", "seating")).split(" ")[0];
    deletedFeatureId = (await cli(t.ana.token, "mark", "18.43", "-33.93", "Kiosk")).split(" ")[0];
    assert.match(featureId, /^f-/);
    await cli(t.ben.token, "say", "=1+1 is how a spreadsheet starts a formula");
    await cli(t.ana.token, "say", "Benches, \"real\" ones");
    await cli(t.ben.token, "comment", "on", featureId, "Needs shade trees");
    await cli(t.ana.token, "comment", "at", "18.44", "-33.94", "No light here at night");
    await cli(t.ana.token, "vote", "open", "priorities", "Top priorities", "--dots", "3");
    await cli(t.ben.token, "vote", "dot", "priorities", featureId);
    sessionId = (await cli(t.ana.token, "session", "start", "Evening workshop")).match(/(\d+)/)[1];
    // Deleting needs the interactive client: the command on stdin, then end of input.
    await new Promise((resolveJoin, reject) => {
        const child = execFile(cliBinary, ["--url", `ws://127.0.0.1:${port}/v1/ws`, "--token", t.ana.token, "join"],
                               { timeout: 30000 }, (error) => (error ? reject(error) : resolveJoin()));
        child.stdin.end(`/delete ${deletedFeatureId}\n`);
    });
    await cli(t.ana.token, "remove", "carl", "--reason", "left the project");
});

// ---------------------------------------------------------------- exports and replay

const exportNames = ["geojson", "chat.json", "chat.csv", "comments.json", "comments.csv", "report.md"];
const roomEndpoints = [...exportNames.map((n) => `export/${n}`), "state"];

test("exports and state: the admin key and a facilitator's token read them, now and earlier", async () => {
    for (const endpoint of roomEndpoints) {
        const base = `/v1/rooms/${room}/${endpoint}`;
        await call("GET", base, 200, admin);
        await call("GET", base, 200, { auth: t.ana.token });
        await call("GET", `${base}?seq=2`, 200, admin);
        await call("GET", `${base}?seq=0`, 200, { auth: t.ana.token });
        await call("GET", `${base}?time=${Date.now()}`, 200, admin);
    }
    const geojson = JSON.parse((await call("GET", `/v1/rooms/${room}/export/geojson?include_deleted=1`, 200, admin)).text);
    const gone = geojson.features.find((f) => f.id === deletedFeatureId);
    assert.ok(gone && gone.properties.deleted === true, "the deleted feature is in the export with include_deleted=1");
    const live = JSON.parse((await call("GET", `/v1/rooms/${room}/export/geojson`, 200, admin)).text);
    assert.deepEqual(live.features.map((f) => f.id), [featureId]);
    assert.equal(live.features[0].properties.votes, 1);
    for (const name of ["chat.json", "chat.csv", "comments.json", "comments.csv"])
        await call("GET", `/v1/rooms/${room}/export/${name}?include_deleted=1`, 200, admin);
    const chat = JSON.parse((await call("GET", `/v1/rooms/${room}/export/chat.json`, 200, admin)).text);
    assert.equal(chat.messages.length, 2);
    const comments = JSON.parse((await call("GET", `/v1/rooms/${room}/export/comments.json`, 200, admin)).text);
    assert.equal(comments.threads.length, 2);
    await call("GET", `/v1/rooms/${room}/export/report.md?session=${sessionId}`, 200, admin);
    // A token's room exists for its holder: a room joined where nothing happened yet exports empty.
    const fresh = await mint("elsewhere", "facilitator", "Fay", "fay");
    await call("GET", "/v1/rooms/elsewhere/state", 200, { auth: fresh.token });
});

test("exports and state: refusals", async () => {
    for (const endpoint of roomEndpoints) {
        const base = `/v1/rooms/${room}/${endpoint}`;
        await call("GET", `${base}?seq=abc`, 400, admin);
        await call("GET", `${base}?seq=100000`, 400, admin);
        await call("GET", `${base}?seq=1&time=1`, 400, admin);
        await call("GET", `${base}?time=1`, 400, admin);
        await call("GET", base, 401);
        await call("GET", base, 401, { auth: "not.a.token" });
        await call("GET", base, 401, { auth: t.dan.token });                  // revoked
        await call("GET", base, 403, { auth: t.ben.token });                  // a participant
        await call("GET", base, 403, { auth: t.olu.token });                  // an observer
        await call("GET", base, 403, { auth: t.other.token });                // another room
        await call("GET", base, 403, { auth: t.carl.token });                 // removed
        await call("GET", `/v1/rooms/bad!id/${endpoint}`, 404, admin);
        await call("GET", `/v1/rooms/never-created/${endpoint}`, 404, admin);
        await call("POST", base, 405, admin);
    }
    await call("GET", `/v1/rooms/${room}/export/geojson?include_deleted=yes`, 400, admin);
    await call("GET", `/v1/rooms/${room}/export/report.md?session=0`, 400, admin);
    const removed = await send(port, "GET", `/v1/rooms/${room}/state`, { auth: t.carl.token });
    assert.match(removed.text, /ERROR_CODE_PARTICIPANT_REMOVED/);
});

// ---------------------------------------------------------------- attachments

// A 1x1 PNG, the smallest picture libvips decodes; cut short, it is damaged.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

test("attachments: upload, read, thumbnail, and every refusal a client can cause", async () => {
    const base = `/v1/rooms/${room}/attachments`;
    const photo = { auth: t.ben.token, body: png, headers: { "Content-Type": "image/png", "Idempotency-Key": "r-1" } };
    const made = JSON.parse((await call("POST", base, 201, photo)).text);
    // The same key again: the first answer, not a second file.
    assert.equal(JSON.parse((await call("POST", base, 201, photo)).text).id, made.id);
    await call("POST", base, 400, { auth: t.ben.token, body: png.subarray(0, 40), headers: { "Content-Type": "image/png" } });
    await call("POST", base, 401, { body: png, headers: { "Content-Type": "image/png" } });
    await call("POST", base, 403, { auth: t.olu.token, body: png, headers: { "Content-Type": "image/png" } });  // an observer
    await call("POST", "/v1/rooms/bad!id/attachments", 404, { auth: t.ben.token, body: png, headers: { "Content-Type": "image/png" } });
    await call("POST", base, 413, { auth: t.ben.token, body: Buffer.alloc(0), headers: { "Content-Type": "image/png", "Content-Length": String(21 * 1024 * 1024) } });
    await call("POST", base, 415, { auth: t.ben.token, body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), headers: { "Content-Type": "image/svg+xml" } });
    await call("DELETE", base, 405, admin);

    for (const path of [`${base}/${made.id}`, `${base}/${made.id}/thumbnail`]) {
        const got = await call("GET", path, 200, { auth: t.olu.token });   // observers may look
        await call("GET", path, 304, { auth: t.olu.token, headers: { "If-None-Match": got.headers.etag } });
        await call("GET", path, 200, admin);
        await call("GET", path, 401);
        await call("GET", path, 403, { auth: t.other.token });             // another room
        await call("GET", path.replace(made.id, "0".repeat(32)), 404, { auth: t.olu.token });
        await call("POST", path, 405, admin);
    }
});

// ---------------------------------------------------------------- reference layers

const layerFile = Buffer.from(JSON.stringify({ type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "Park" }, geometry: { type: "Point", coordinates: [18.42, -33.92] } }] }));
test("layers: import, list, and every refusal a client can cause", async () => {
    const base = `/v1/rooms/${room}/layers`;
    const upload = { auth: t.ben.token, body: layerFile, headers: { "Idempotency-Key": "layer-1" } };
    const made = JSON.parse((await call("POST", base, 201, upload)).text);
    assert.equal(JSON.parse((await call("POST", base, 200, upload)).text).id, made.id);
    await call("GET", base, 200, { auth: t.olu.token });
    await call("GET", base, 401);
    await call("GET", base, 403, { auth: t.other.token });
    await call("GET", "/v1/rooms/bad!id/layers", 404, admin);
    await call("POST", `${base}?name=%zz`, 400, { auth: t.ben.token, body: layerFile });
    await call("POST", base, 401, { body: layerFile });
    await call("POST", base, 403, { auth: t.olu.token, body: layerFile });
    await call("POST", "/v1/rooms/bad!id/layers", 404, { auth: t.ben.token, body: layerFile });
    await call("POST", base, 413, { auth: t.ben.token, body: Buffer.alloc(0), headers: { "Content-Length": String(9 * 1024 * 1024) } });
    await call("POST", base, 415, { auth: t.ben.token, body: png }); // a picture is none of the four formats
    await call("POST", base, 422, { auth: t.ben.token, body: Buffer.from("{") });
    await call("DELETE", base, 405, admin);
    await call("POST", "/v1/admin/rooms", 201, { ...admin, body: { id: "archived-layers", title: "A", center: { lon: 18.42, lat: -33.92 }, zoom: 12 } });
    await call("POST", "/v1/admin/rooms/archived-layers/archive", 200, admin);
    const minted = JSON.parse((await call("POST", "/v1/admin/rooms/archived-layers/tokens", 201, { ...admin, body: { role: "participant", name: "P", subject: "p" } })).text);
    await call("POST", "/v1/rooms/archived-layers/layers", 409, { auth: minted.token, body: layerFile });
    // An upload to an archived room is stored by no one: the room refuses to add it.
    await call("POST", "/v1/rooms/archived-layers/attachments", 409, { auth: minted.token, body: png, headers: { "Content-Type": "image/png" } });
});

// ---------------------------------------------------------------- networks (docs/NETWORKS.md)

test("networks: create, cities, rooms, sessions, invitations; the member API", async () => {
    const net = "/v1/admin/networks";
    await call("GET", net, 200, admin);
    await call("GET", net, 401, {});
    await call("POST", net, 201, { ...admin, body: { id: "spaces", title: "Safe spaces", languages: ["en", "pt"],
                                                     starts_on: "2027-01-01", ends_on: "2029-12-31" } });
    await call("POST", net, 409, { ...admin, body: { id: "spaces", title: "Again" } });
    await call("POST", net, 400, { ...admin, body: { id: "no-title" } });
    await call("POST", net, 401, { body: { id: "y", title: "Y" } });
    await call("DELETE", net, 405, admin);
    await call("GET", `${net}/spaces`, 200, admin);
    await call("GET", `${net}/spaces`, 401, {});
    await call("GET", `${net}/nowhere`, 404, admin);
    await call("PATCH", `${net}/spaces`, 200, { ...admin, body: { theme: "Streets for all" } });
    await call("PATCH", `${net}/spaces`, 400, { ...admin, body: {} });
    await call("PATCH", `${net}/spaces`, 401, { body: { theme: "x" } });
    await call("PATCH", `${net}/nowhere`, 404, { ...admin, body: { theme: "x" } });
    await call("DELETE", `${net}/spaces`, 405, admin);
    const city = (id, name, country, lon, lat) => ({ id, name, country, position: { lon, lat } });
    await call("POST", `${net}/spaces/cities`, 201, { ...admin, body: city("lisbon", "Lisbon", "PT", -9.14, 38.72) });
    await call("POST", `${net}/spaces/cities`, 201, { ...admin, body: city("durban", "Durban", "ZA", 31.02, -29.86) });
    await call("POST", `${net}/spaces/cities`, 409, { ...admin, body: city("lisbon", "Lisbon", "PT", -9.14, 38.72) });
    await call("POST", `${net}/spaces/cities`, 400, { ...admin, body: { id: "x", name: "X" } });
    await call("POST", `${net}/spaces/cities`, 401, { body: city("x", "X", "PT", 1, 1) });
    await call("POST", `${net}/nowhere/cities`, 404, { ...admin, body: city("x", "X", "PT", 1, 1) });
    await call("DELETE", `${net}/spaces/cities`, 405, admin);
    await call("PUT", `${net}/spaces/cities/durban`, 200, { ...admin, body: { name: "eThekwini", country: "ZA", position: { lon: 31.02, lat: -29.86 } } });
    await call("PUT", `${net}/spaces/cities/durban`, 400, { ...admin, body: { name: "eThekwini" } });
    await call("PUT", `${net}/spaces/cities/oz`, 404, { ...admin, body: { name: "Oz", country: "AU", position: { lon: 1, lat: 1 } } });
    await call("PUT", `${net}/spaces/cities/durban`, 401, { body: { name: "X", country: "ZA", position: { lon: 1, lat: 1 } } });
    await call("POST", `${net}/spaces/cities/durban`, 405, admin);
    await call("POST", `${net}/spaces/rooms`, 201, { ...admin, body: { room_id: "lisbon-lab", title: "Intendente", kind: "living_lab", city_id: "lisbon" } });
    await call("POST", `${net}/spaces/rooms`, 201, { ...admin, body: { room_id: "spaces-plenary", title: "Plenary", kind: "plenary", center: { lon: 10, lat: 20 }, zoom: 3 } });
    await call("POST", `${net}/spaces/rooms`, 409, { ...admin, body: { room_id: "lisbon-lab-2", title: "Again", kind: "living_lab", city_id: "lisbon" } });
    await call("POST", `${net}/spaces/rooms`, 400, { ...admin, body: { room_id: "p", title: "P", kind: "party" } });
    await call("POST", `${net}/spaces/rooms`, 404, { ...admin, body: { room_id: "oz-lab", title: "Oz", kind: "living_lab", city_id: "oz" } });
    await call("POST", `${net}/spaces/rooms`, 401, { body: { room_id: "q", title: "Q", kind: "plenary" } });
    await call("DELETE", `${net}/spaces/rooms`, 405, admin);
    const session = { id: "kickoff", room_id: "spaces-plenary", title: "Kick-off", starts_ms: 1805101200000, ends_ms: 1805108400000,
                      time_zone: "Europe/Lisbon", agenda: ["Welcome"] };
    await call("POST", `${net}/spaces/sessions`, 201, { ...admin, body: session });
    await call("POST", `${net}/spaces/sessions`, 201, { ...admin, body: { ...session, id: "second" } });
    await call("POST", `${net}/spaces/sessions`, 400, { ...admin, body: { title: "No room" } });
    await call("POST", `${net}/spaces/sessions`, 401, { body: session });
    await call("POST", `${net}/nowhere/sessions`, 404, { ...admin, body: { ...session, room_id: "nowhere-room" } });
    await call("DELETE", `${net}/spaces/sessions`, 405, admin);
    await call("DELETE", `${net}/spaces/sessions/second`, 200, admin);
    await call("DELETE", `${net}/spaces/sessions/second`, 400, admin);
    await call("DELETE", `${net}/spaces/sessions/second`, 401, {});
    await call("DELETE", `${net}/nowhere/sessions/second`, 404, admin);
    await call("PUT", `${net}/spaces/sessions/kickoff`, 405, admin);
    const invited = JSON.parse((await call("POST", `${net}/spaces/invitations`, 201, { ...admin, body: { name: "Ana", role: "participant", city_id: "lisbon" } })).text);
    await call("POST", `${net}/spaces/invitations`, 400, { ...admin, body: { name: "Ana", role: "admin" } });
    await call("POST", `${net}/spaces/invitations`, 404, { ...admin, body: { name: "Ana", role: "participant", city_id: "oz" } });
    await call("POST", `${net}/spaces/invitations`, 401, { body: { name: "Ana", role: "participant" } });
    await call("DELETE", `${net}/spaces/invitations`, 405, admin);
    await call("DELETE", `${net}/spaces/cities/durban`, 200, admin);
    await call("DELETE", `${net}/spaces/cities/durban`, 404, admin);
    await call("DELETE", `${net}/spaces/cities/durban`, 401, {});

    const member = { auth: invited.token };
    await call("GET", "/v1/networks/spaces", 200, member);
    await call("GET", "/v1/networks/spaces", 401, {});
    await call("GET", "/v1/networks/spaces", 403, { auth: t.ana.token });
    await call("GET", "/v1/networks/nowhere", 404, admin);
    await call("DELETE", "/v1/networks/spaces", 405, member);
    await call("GET", "/v1/networks/spaces/sessions.ics", 200, member);
    await call("GET", "/v1/networks/spaces/sessions.ics", 401, {});
    await call("GET", "/v1/networks/spaces/sessions.ics", 403, { auth: t.ana.token });
    await call("GET", "/v1/networks/nowhere/sessions.ics", 404, admin);
    await call("DELETE", "/v1/networks/spaces/sessions.ics", 405, member);
    await call("GET", "/v1/networks/spaces/changes?since_ms=0", 200, member);
    await call("GET", "/v1/networks/spaces/changes?since_ms=yesterday", 400, member);
    await call("GET", "/v1/networks/spaces/changes?since_ms=0", 401, {});
    await call("GET", "/v1/networks/spaces/changes?since_ms=0", 403, { auth: t.ana.token });
    await call("GET", "/v1/networks/nowhere/changes?since_ms=0", 404, admin);
    await call("DELETE", "/v1/networks/spaces/changes", 405, member);

    // The network's harvest (docs/HARVEST.md): the admin key or a network facilitator's invitation.
    const lead = JSON.parse((await call("POST", `${net}/spaces/invitations`, 201, { ...admin, body: { name: "Fia", role: "facilitator" } })).text);
    const harvest = "/v1/networks/spaces/harvest";
    await call("GET", `${harvest}?from=2026-01-01&to=2026-12-31&format=md`, 200, { auth: lead.token });
    await call("GET", harvest, 200, admin);
    await call("GET", `${harvest}?from=2026-02-30`, 400, admin);
    await call("GET", harvest, 401, {});
    await call("GET", harvest, 403, member);
    await call("GET", "/v1/networks/nowhere/harvest", 404, admin);
    await call("DELETE", harvest, 405, admin);
});

// ---------------------------------------------------------------- operations, the WebSocket, the web app

test("health and metrics", async () => {
    await call("GET", "/healthz", 200);
    await call("GET", "/metrics", 200);
    await call("DELETE", "/healthz", 405);
    await call("DELETE", "/metrics", 405);
});

const upgrade = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };

test("the WebSocket upgrade: accepted, or refused for its credentials, its Origin or a bad handshake", async () => {
    await call("GET", "/v1/ws", 101, { headers: { ...upgrade, "Sec-WebSocket-Protocol": "maptable.v1" } });
    await call("GET", "/v1/ws", 101, { headers: upgrade, auth: t.ana.token });
    await call("GET", "/v1/ws", 401, { headers: { ...upgrade, Authorization: "Basic eDp5" } });
    await call("GET", "/v1/ws", 401, { headers: upgrade, auth: "not.a.token" });
    await call("GET", "/v1/ws", 401, { headers: upgrade, auth: t.dan.token });
    await call("GET", "/v1/ws", 403, { headers: { ...upgrade, Origin: "https://elsewhere.example" } });
    const { "Sec-WebSocket-Key": _, ...noKey } = upgrade;
    await call("GET", "/v1/ws", 400, { headers: noKey });
    await call("DELETE", "/v1/ws", 405);
});

test("the web app: its page, files, hashed assets and settings", async () => {
    const config = JSON.parse((await call("GET", "/config.json", 200)).text);
    assert.equal(config.ws_path, "/v1/ws");
    await call("DELETE", "/config.json", 405);
    await call("GET", "/", 200);
    await call("GET", "/index.html", 200);
    await call("GET", "/robots.txt", 200);
    await call("GET", "/missing.txt", 404);
    await call("GET", "/.env", 400);
    await call("DELETE", "/robots.txt", 405);
    await call("GET", "/assets/app-1a2b3c4d.js", 200);
    await call("GET", "/assets/app-00000000.js", 404);
    await call("DELETE", "/assets/app-1a2b3c4d.js", 405);
    await call("DELETE", "/", 405);
    unlinkSync(join(webRoot, "index.html"));
    await call("GET", "/", 404);
    await call("GET", "/index.html", 404);
    await call("DELETE", "/index.html", 405);
});

// ---------------------------------------------------------------- coverage

// Documented answers a black-box test cannot provoke, and why.
const unreproducible = [
    [/attachments.* 410$/, "an attachment released by deleting the feature or comment that showed it: naming one takes a WebSocket command the CLI does not send; integration_field checks the 410, also after a restart"],
    [/POST \/v1\/rooms\/\{id\}\/attachments 507$/, "a room that holds 5000 attachments already"],
    [/POST \/v1\/rooms\/\{id\}\/attachments 307$/, "an upload to a node that does not sequence the room: this suite runs one node; integration_attachment checks the 307 with two nodes on one PostgreSQL"],
    [/ 503$/, "a store, catalogue or connection limit that fails or is full: the store and limits suites break those"],
    [/ 500$/, "a failure inside the server: a revocation not stored, a log that does not replay, a bug"],
];

test("every documented operation and answer was exercised", () => {
    const missing = [];
    for (const template of Object.keys(spec.paths))
        for (const op of operationsOf(template)) {
            const statuses = Object.keys(spec.paths[template][op].responses);
            const key = (status) => `${op.toUpperCase()} ${template} ${status}`;
            if (!statuses.some((s) => s.startsWith("2") || s === "101") || !statuses.some((s) => covered.has(key(s)) && /^(2|101)/.test(s)))
                missing.push(`${key("success")}`);
            for (const status of statuses)
                if (!covered.has(key(status)) && !unreproducible.some(([re]) => re.test(key(status))))
                    missing.push(key(status));
        }
    assert.deepEqual(missing, [], `documented but never answered: ${missing.join(", ")}`);
});
