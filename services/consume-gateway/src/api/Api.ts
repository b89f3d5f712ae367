/**
 * The gateway's HTTP API, declared once: handlers implement it, requests are validated by
 * it, and `/openapi.json` is generated from it.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Probes } from "@tributary/core"
import { Schema } from "effect"
import { Conflict, Forbidden, InvalidRequest, JetStreamRefused, NotFound, StaleAckTokens, TooManyRequests, Unauthorized, Unavailable } from "./Errors.js"
import * as S from "./Schemas.js"

/** `Authorization: Bearer <token>`, a token made by `tributary tokens create`. */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("Authorization", {
  // Unavailable: the token could not be looked up (NATS unreachable).
  failure: Schema.Union(Unauthorized, Unavailable),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const NoContent = HttpApiSchema.NoContent

export const syncs = HttpApiGroup.make("syncs")
  .add(HttpApiEndpoint.post("create", "/syncs").setPayload(S.CreateSync).addSuccess(S.SyncView, { status: 201 }))
  .add(HttpApiEndpoint.get("list", "/syncs").addSuccess(S.SyncList))
  .add(HttpApiEndpoint.get("get", "/syncs/:id").setPath(S.SyncPath).addSuccess(S.SyncView))
  .add(HttpApiEndpoint.post("pause", "/syncs/:id/pause").setPath(S.SyncPath).addSuccess(S.SyncView))
  .add(HttpApiEndpoint.post("resume", "/syncs/:id/resume").setPath(S.SyncPath).addSuccess(S.SyncView))
  .add(HttpApiEndpoint.patch("update", "/syncs/:id").setPath(S.SyncPath).setPayload(S.UpdateSync).addSuccess(S.SyncView))
  .add(HttpApiEndpoint.del("delete", "/syncs/:id").setPath(S.SyncPath).addSuccess(NoContent))
  .add(HttpApiEndpoint.post("createProxyCredential", "/syncs/:id/proxy-credentials").setPath(S.SyncPath)
    .setPayload(S.CreateProxyCredentialBody).addSuccess(S.IssuedProxyCredential, { status: 201 }))
  .add(HttpApiEndpoint.get("listProxyCredentials", "/syncs/:id/proxy-credentials").setPath(S.SyncPath)
    .addSuccess(S.ProxyCredentialList))
  .add(HttpApiEndpoint.post("rotateProxyCredential", "/syncs/:id/proxy-credentials/:name/rotate").setPath(S.ProxyCredentialPath)
    .addSuccess(S.IssuedProxyCredential))
  .add(HttpApiEndpoint.del("revokeProxyCredential", "/syncs/:id/proxy-credentials/:name").setPath(S.ProxyCredentialPath)
    .addSuccess(NoContent))
  .middleware(Authorization)
  .prefix("/v1")
  .annotate(OpenApi.Description, "Syncs: which API accounts Tributary mirrors (the config the sync service reads)")

export const consumers = HttpApiGroup.make("consumers")
  .add(HttpApiEndpoint.post("create", "/consumers").setPayload(S.CreateConsumer).addSuccess(S.ConsumerView, { status: 201 }))
  .add(HttpApiEndpoint.get("list", "/consumers").addSuccess(S.ConsumerList))
  .add(HttpApiEndpoint.get("get", "/consumers/:name").setPath(S.ConsumerPath).addSuccess(S.ConsumerView))
  .add(HttpApiEndpoint.patch("update", "/consumers/:name").setPath(S.ConsumerPath).setPayload(S.UpdateConsumer)
    .addSuccess(S.ConsumerView))
  .add(HttpApiEndpoint.del("delete", "/consumers/:name").setPath(S.ConsumerPath).addSuccess(NoContent))
  .middleware(Authorization)
  .prefix("/v1")
  .annotate(OpenApi.Description, "Consumers: durable views over RECORDS or EVENTS that workers read through the consume API")

export const consume = HttpApiGroup.make("consume")
  .add(HttpApiEndpoint.get("next", "/consumers/:name/next").setPath(S.ConsumerPath).setUrlParams(S.NextParams)
    .addSuccess(S.NextResponse))
  .add(HttpApiEndpoint.post("nextPost", "/consumers/:name/next").setPath(S.ConsumerPath).setUrlParams(S.NextParams)
    .setPayload(S.NextPostBody).addSuccess(S.NextResponse))
  .add(HttpApiEndpoint.post("ack", "/consumers/:name/ack").setPath(S.ConsumerPath).setPayload(S.AckRequest)
    .addSuccess(NoContent))
  .add(HttpApiEndpoint.post("nack", "/consumers/:name/nack").setPath(S.ConsumerPath).setPayload(S.NackRequest)
    .addSuccess(NoContent))
  .add(HttpApiEndpoint.post("progress", "/consumers/:name/progress").setPath(S.ConsumerPath).setPayload(S.AckRequest)
    .addSuccess(NoContent))
  .add(HttpApiEndpoint.get("deadLetters", "/consumers/:name/dead-letters").setPath(S.ConsumerPath)
    .setUrlParams(S.DeadLetterParams).addSuccess(S.DeadLetterList))
  .add(HttpApiEndpoint.post("redrive", "/consumers/:name/dead-letters/redrive").setPath(S.ConsumerPath)
    .setPayload(S.RedriveBody).addSuccess(S.RedriveResponse))
  .addError(TooManyRequests)
  .addError(StaleAckTokens)
  .addError(JetStreamRefused)
  .middleware(Authorization)
  .prefix("/v1")
  .annotate(OpenApi.Description, "Consume API: receive, ack, nack and extend messages; dead letters")

export const ops = HttpApiGroup.make("ops")
  .add(HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Probes.Live))
  .add(HttpApiEndpoint.get("readyz", "/readyz").addSuccess(Probes.Ready).addError(Probes.NotReady, { status: 503 }))
  .add(HttpApiEndpoint.get("metrics", "/metrics").addSuccess(Schema.String.pipe(HttpApiSchema.withEncoding({
    kind: "Text",
    contentType: "text/plain; version=0.0.4"
  }))).addError(Unauthorized).addError(Forbidden))
  .annotate(OpenApi.Description,
    "Liveness and readiness (no token: they say only up or not; with the metrics token `/readyz` also says why not), " +
      "and Prometheus metrics (`Authorization: Bearer <TRIBUTARY_METRICS_TOKEN>`)")

/** This document, for API tokens like every other route. */
export const docs = HttpApiGroup.make("docs")
  .add(HttpApiEndpoint.get("openapi", "/openapi.json").addSuccess(Schema.Unknown))
  .middleware(Authorization)
  .annotate(OpenApi.Description, "The OpenAPI document of this API, generated from the Schemas that validate requests")

export class GatewayApi extends HttpApi.make("tributary-gateway")
  .add(syncs)
  .add(consumers)
  .add(consume)
  .add(ops)
  .add(docs)
  .addError(InvalidRequest)
  .addError(NotFound)
  .addError(Conflict)
  .addError(Unavailable)
  .annotateContext(OpenApi.annotations({
    title: "Tributary gateway",
    version: "0.1.0",
    description: "Management API (syncs, consumers) and HTTP consume API of Tributary."
  })) {}
