#!/usr/bin/env python3
"""Writes the HTTP API's OpenAPI 3 document into
Sources/HTTPAPI/OpenAPIDocument.swift (served at /v1/openapi.json).

The document is kept in the binary, so that an installed streamhost serves it
without a resource bundle; it is written from this script, where the schemas
read as data. Edit here, run `python3 scripts/openapi.py`, commit both.
"""
import json, os
def ref(n): return {"$ref": "#/components/schemas/" + n}
def arr(x): return {"type": "array", "items": x}
S, I, B, N = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
def nul(x): return {**x, "nullable": True}
def obj(props, required=None):
    o = {"type": "object", "properties": props}
    o["required"] = required if required is not None else sorted(props)
    return o
def err(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
def ok(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}
jobid = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}
sec = [{"bearer": []}]
seconds = {"name": "seconds", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 600, "default": 300},
           "description": "How far back the history goes, in seconds"}
series = arr(nul(N))
live_figures = {"recordsIn": I, "recordsOut": I, "recordsInPerSecond": N, "recordsOutPerSecond": N, "busyMsPerSecond": N,
                "backPressuredMsPerSecond": N, "idleMsPerSecond": N, "inputWatermarkMs": I, "outputWatermarkMs": I, "watermarkLagMs": N}
common = {"400": err("Bad request (a job file's mistake as file:line:col, a bad id)"),
          "401": err("Missing or wrong bearer token"), "403": err("No token configured on the server"),
          "404": err("No such job"), "409": err("The job is not in a state that allows it"),
          "413": err("Body over the size limit"), "500": err("The service failed")}
def mut(op): return {**op, "security": sec}
doc = {
 "openapi": "3.0.3",
 "info": {"title": "streamhost HTTP API", "version": "1",
          "description": "Jobs, topics, consumer groups and plugins of a `streamhost serve` (docs/SERVER.md, 'HTTP API'). "
                         "Requests that change something need `Authorization: Bearer TOKEN`; so does every request from off loopback, "
                         "except /v1/health, /v1/ready and /v1/openapi.json. The dashboard (the page at /) draws /v1/jobs and /v1/dashboard/*."},
 "servers": [{"url": "/"}],
 "paths": {
  "/v1/health": {"get": {"operationId": "health", "responses": {"200": ok("The server runs", obj({"status": S}))}}},
  "/v1/ready": {"get": {"operationId": "ready", "responses": {"200": ok("Ready", obj({"status": S})), "503": ok("Stopping", obj({"status": S}))}}},
  "/v1/openapi.json": {"get": {"operationId": "openapi", "responses": {"200": ok("This document", {"type": "object"})}}},
  "/v1/plugins": {"get": {"operationId": "listPlugins", "responses": {"200": ok("The host's version and ABI, and the built-in plugins and those jobs name with their components, as `plugin inspect --json` reports them", obj({"host_version": S, "host_abi": S, "plugins": arr({"type": "object"})}, ["plugins"])), "500": err("Inspecting failed")}}},
  "/v1/jobs": {
    "get": {"operationId": "listJobs", "responses": {"200": ok("The jobs", obj({"jobs": arr(ref("JobOverview"))}))}},
    "post": mut({"operationId": "submitJob", "requestBody": {"required": True, "content": {"application/json": {"schema": ref("JobSubmitRequest")}}},
             "responses": {"201": ok("Submitted and started", ref("JobOverview")), **{k: common[k] for k in ["400", "401", "403", "409", "413", "500"]}}})},
  "/v1/jobs/{id}": {"get": {"operationId": "describeJob", "parameters": [jobid],
             "responses": {"200": ok("The job", ref("JobDescription")), "400": common["400"], "404": common["404"]}}},
  "/v1/jobs/{id}/cancel": {"post": mut({"operationId": "cancelJob", "parameters": [jobid],
             "requestBody": {"required": False, "content": {"application/json": {"schema": obj({"savepoint": B}, [])}}},
             "responses": {"200": ok("Cancelled (or stopped with a savepoint)", ref("JobActionResult")), **{k: common[k] for k in ["400", "401", "403", "404", "409", "413", "500"]}}})},
  "/v1/jobs/{id}/savepoints": {"post": mut({"operationId": "savepointJob", "parameters": [jobid],
             "responses": {"201": ok("Savepoint taken", ref("JobActionResult")), **{k: common[k] for k in ["400", "401", "403", "404", "409", "500"]}}})},
  "/v1/jobs/{id}/swap": {"post": mut({"operationId": "swapJob", "parameters": [jobid],
             "requestBody": {"required": True, "content": {"application/json": {"schema": obj({"plugin": S})}}},
             "responses": {"200": ok("Swapped to the new build", ref("JobActionResult")), **{k: common[k] for k in ["400", "401", "403", "404", "409", "413", "500"]}}})},
  "/v1/jobs/{id}/rescale": {"post": mut({"operationId": "rescaleJob", "parameters": [jobid],
             "requestBody": {"required": True, "content": {"application/json": {"schema": obj({"parallelism": {"type": "integer", "minimum": 1, "maximum": 32768}})}}},
             "responses": {"200": ok("Rescaled through a savepoint", ref("JobActionResult")), **{k: common[k] for k in ["400", "401", "403", "404", "409", "413", "500"]}}})},
  "/v1/topics": {"get": {"operationId": "listTopics", "responses": {"200": ok("The topics", obj({"topics": arr(ref("Topic"))}))}}},
  "/v1/topics/{topic}": {"get": {"operationId": "describeTopic",
             "parameters": [{"name": "topic", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,249}$"}}],
             "responses": {"200": ok("The topic with its partitions and configs", ref("Topic")), "400": common["400"], "404": err("No such topic")}}},
  "/v1/dashboard/jobs/{id}": {"get": {"operationId": "jobHistory", "parameters": [jobid, seconds],
             "responses": {"200": ok("The job's live history kept by the server (one sample a second, 10 minutes): per step throughput, watermark lag and busy / back-pressured time, and checkpoint outcomes", ref("JobHistory")), "400": common["400"], "404": common["404"]}}},
  "/v1/dashboard/log": {"get": {"operationId": "logHistory", "parameters": [seconds],
             "responses": {"200": ok("Topics' sizes and rates and consumer groups' lag per partition, with their history (one sample a second, 10 minutes)", ref("LogHistory")), "400": common["400"]}}},
  "/v1/groups": {"get": {"operationId": "listGroups", "responses": {"200": ok("The consumer groups", obj({"groups": arr(ref("Group"))}))}}},
  "/v1/groups/{group}": {"get": {"operationId": "describeGroup",
             "parameters": [{"name": "group", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
             "responses": {"200": ok("The group: members, assignments, committed offsets, lag", ref("Group")), "400": common["400"], "404": err("No such group")}}},
 },
 "components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
  "schemas": {
   "Error": obj({"error": S}),
   "JobSubmitRequest": obj({"jobText": S, "fileName": S, "plugins": arr(S), "overrides": arr(S), "fromSavepoint": nul(S)}, ["jobText", "fileName", "plugins", "overrides"]),
   "JobOverview": obj({"id": S, "name": S, "state": {"type": "string", "enum": ["created", "running", "finished", "failed", "stopped", "cancelled"]},
                       "submittedAtMs": I, "restarts": I, "attempts": I}),
   "JobActionResult": obj({"id": S, "savepoint": nul(S), "message": S}, ["id", "message"]),
   "StepCounts": obj({"stepID": S, "recordsIn": I, "recordsOut": I, "rejected": I}),
   "Attempt": obj({"number": I, "restoredFrom": nul(I), "countsKnown": B, "sourceRecords": I, "sinkRecords": I, "rejectedRecords": I,
                   "checkpointsCompleted": I, "seconds": N, "failure": nul(S),
                   "failureStep": nul(S), "failureInstance": nul(I), "savepoint": nul(S), "steps": arr(ref("StepCounts"))},
                  ["number", "countsKnown", "sourceRecords", "sinkRecords", "rejectedRecords", "checkpointsCompleted", "seconds", "steps"]),
   "JobDescription": obj({
       "overview": ref("JobOverview"), "fileName": S, "plugins": arr(S), "overrides": arr(S), "fromSavepoint": nul(S), "supervisorPid": nul(I),
       "steps": arr(obj({"id": S, "kind": S, "component": S, "parallelism": I, "inputs": arr(S), "recordsIn": nul(I), "recordsOut": nul(I), "rejected": nul(I),
                         "live": ref("StepLive")},
                        ["id", "kind", "component", "parallelism", "inputs"])),
       "liveCheckpoints": ref("CheckpointsLive"),
       "attempts": arr(ref("Attempt")), "restoredFrom": arr(nul(I)),
       "checkpoints": arr(obj({"id": I, "kind": {"type": "string", "enum": ["checkpoint", "savepoint"]}, "directory": S, "triggeredAtMs": I, "bytes": I})),
       "exceptions": arr(obj({"attempt": nul(I), "step": nul(S), "instance": nul(I), "message": S}, ["message"])),
       "savepoint": nul(S)},
       ["overview", "fileName", "plugins", "overrides", "steps", "attempts", "restoredFrom", "checkpoints", "exceptions"]),
   "InstanceLive": obj({"instance": I, "inputChannelFill": N, **live_figures}, ["instance", "recordsIn", "recordsOut", "inputChannelFill"]),
   "StepLive": obj({"sampledAtMs": I, "instances": arr(ref("InstanceLive")), **live_figures}, ["sampledAtMs", "recordsIn", "recordsOut", "instances"]),
   "CheckpointsLive": obj({"sampledAtMs": I, "completed": I, "failed": I, "aborted": I, "lastID": I, "lastDurationMs": N, "lastSizeBytes": I,
                           "lastAlignmentMs": N}, ["sampledAtMs", "completed", "failed", "aborted"]),
   "JobHistory": obj({"times": arr(I),
                      "steps": arr(obj({"id": S, "recordsInPerSecond": series, "recordsOutPerSecond": series, "watermarkLagMs": series,
                                        "busyMsPerSecond": series, "backPressuredMsPerSecond": series})),
                      "checkpoints": arr(obj({"atMs": I, "outcome": {"type": "string", "enum": ["completed", "failed", "aborted"]}, "count": I,
                                              "id": nul(I), "durationMs": nul(N), "sizeBytes": nul(I), "alignmentMs": nul(N)}))}),
   "LogHistory": obj({"times": arr(I), "seriesLeftOut": I,
                      "topics": arr(obj({"name": S, "isInternal": B, "partitionCount": I, "bytes": I, "endOffsets": I,
                                         "history": obj({"bytes": series, "recordsPerSecond": series, "bytesPerSecond": series})})),
                      "groups": arr(obj({"groupId": S, "state": S, "totalLag": nul(I),
                                         "partitions": arr(obj({"topic": S, "partition": I, "committedOffset": I, "endOffset": nul(I),
                                                                "lag": nul(I), "lagHistory": series}))}))}),
   "Partition": obj({"partition": I, "startOffset": I, "endOffset": I, "lastStableOffset": I, "bytes": I, "segments": I}),
   "Topic": obj({"name": S, "isInternal": B, "partitionCount": I, "bytes": I, "configs": {"type": "object", "additionalProperties": S}, "partitions": arr(ref("Partition"))},
                ["name", "isInternal", "partitionCount", "bytes"]),
   "Group": obj({"groupId": S, "state": S, "protocolType": S,
                 "members": arr(obj({"memberId": S, "clientId": S, "clientHost": S, "assignment": arr(obj({"topic": S, "partitions": arr(I)}))})),
                 "offsets": arr(obj({"topic": S, "partition": I, "committedOffset": I, "endOffset": nul(I), "lag": nul(I)}, ["topic", "partition", "committedOffset"])),
                 "totalLag": nul(I)}, ["groupId", "state", "protocolType"]),
  }}}
text = json.dumps(doc, indent=2, sort_keys=True)
assert '"""#' not in text
swift = ('/// The OpenAPI 3 document of the HTTP API, served at `/v1/openapi.json`.\n'
 '/// Written by scripts/openapi.py (edit there); kept in the binary, so that\n'
 '/// an installed `streamhost` serves it without a resource bundle beside it;\n'
 '/// HTTPAPITests checks that it parses and names every route, and the\n'
 '/// schemathesis test checks the running server against it.\n'
 'public enum OpenAPIDocument {\n    public static let json = #"""\n' + text + '\n"""#\n}\n')
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Sources', 'HTTPAPI', 'OpenAPIDocument.swift'), 'w').write(swift)
