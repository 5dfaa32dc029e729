// The REST API (fastify): services and real servers, VRRP, reload, health,
// metrics, the status page and its OpenAPI description at /docs. Reads are
// open; every change needs the bearer token, and goes through the store so
// that it is saved and reaches the kernel whole or not at all.
import { timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGzip, gzip } from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigRefusedError } from '../director/director';
import { IpvsError } from '../ipvs/errors';
import type { VrrpView } from '../vrrp/view';
import { EventLog } from './events';
import type { ApiListener } from './listener';
import { createMetrics } from './metrics';
import { ApiError } from './objects';
import {
  DeleteQuery, ServerCreate, ServerParams, ServerPatch, ServiceCreate, ServiceParams, ServicePatch,
} from './schemas';
import { ServiceMutations } from './mutations';
import { STATUS_PAGE } from './status-page';
import type { ApiStore } from './store';
import { serviceViews, type DirectorView, type KernelTable } from './views';

export interface ApiDeps {
  director: DirectorView;
  kernel: KernelTable;
  store: ApiStore;
  /** The bearer token changes need; without one, every change is refused. */
  token: string | undefined;
  vrrp(): VrrpView[];
  /** Same as SIGHUP; resolves once the file is applied, or refused with the reason. */
  reload(): Promise<{ applied: true } | { applied: false; reason: string }>;
  events: EventLog;
  /** Serve on this listener, bound early (requests reach the API once the caller has it ready and calls serve()). */
  listener?: ApiListener;
}

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** errno -> HTTP status of a kernel refusal. */
function kernelStatus(e: IpvsError): number {
  switch (e.code) {
    case 'EEXIST': return 409;
    case 'ESRCH': return 409;
    // The kernel lacks something the request names (a scheduler, a persistence engine).
    case 'ENOENT':
    case 'EINVAL':
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
    case 'ERANGE': return 422;
    case 'ENOMEM':
    case 'ENOBUFS':
    case 'EAGAIN': return 503;
    default: return 500;
  }
}

function sendError(err: FastifyError | Error, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    return reply.code(err.status).send({ error: err.message, ...(err.field ? { field: err.field } : {}), ...err.extra });
  }
  if (err instanceof ConfigRefusedError) {
    const first = err.report?.failed[0]?.error;
    if (first instanceof IpvsError) {
      return reply.code(kernelStatus(first)).send({
        error: err.message,
        kernel: { errno: first.errno, code: first.code, command: first.command, target: first.target, ...(first.kernelMessage ? { message: first.kernelMessage } : {}) },
      });
    }
    return reply.code(500).send({ error: err.message });
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const v = fe.validation[0];
    const where = `${fe.validationContext ?? 'body'}${v?.instancePath ?? ''}`;
    const missing = v?.keyword === 'required' ? `/${(v.params as { missingProperty: string }).missingProperty}` : '';
    const extra = v?.keyword === 'additionalProperties' ? `/${(v.params as { additionalProperty: string }).additionalProperty}` : '';
    const field = `${where}${missing}${extra}`.replace(/^body\/?/, '').replace(/\//g, '.') || 'body';
    const reason = v?.keyword === 'additionalProperties' ? 'is not a known field' : v?.keyword === 'required' ? 'is required' : v?.message ?? fe.message;
    return reply.code(400).send({ error: `${field}: ${reason}`, field });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return reply.code(fe.statusCode).send({ error: fe.message });
  return reply.code(500).send({ error: `internal error: ${err.message}` });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Replies from this size on are gzipped for a client that takes it (Prometheus and browsers do). */
const GZIP_FROM_CHARS = 64 * 1024;
const ENCODINGS = new Negotiator({ supportedValues: ['gzip', 'identity'] });
const gzipAsync = promisify(gzip);

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // Strict bodies: an unknown or mistyped field is an error, never dropped or converted.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    ...(deps.listener ? { serverFactory: deps.listener.serverFactory } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'lvsd', description: 'Linux Virtual Server director: services, real servers, VRRP', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  // An empty body with Content-Type: application/json (some clients send that header on every
  // request, a body-less DELETE included) is no body; a route that needs one says so by its schema.
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') done(null, undefined);
    else json(req, body as string, done);
  });
  app.setErrorHandler((err, _req, reply) => sendError(err as Error, reply));
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (READ_ONLY.has(req.method)) return;
    if (deps.token === undefined) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'changes are disabled: lvsd was started without --api-token-file' });
    }
    if (!tokenMatches(req.headers.authorization, deps.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid "Authorization: Bearer TOKEN" header is required to change anything' });
    }
    return undefined;
  });

  // A scrape or the status of 10,000 real servers is 5 to 14 MB of text: gzipped (zlib's fastest
  // level, in its worker threads) it is about a tenth on the wire. A reply streamed as it is made
  // (/metrics) is gzipped as it goes; a file of known length (the /docs pages) is left as it is.
  app.addHook('onSend', async (req, reply, payload) => {
    const stream = payload instanceof Readable && !reply.hasHeader('content-length');
    if (!stream && (typeof payload !== 'string' || payload.length < GZIP_FROM_CHARS)) return payload;
    reply.header('vary', 'accept-encoding');
    const accept = req.headers['accept-encoding'];
    if (accept === undefined || ENCODINGS.negotiate(accept) !== 'gzip') return payload;
    reply.header('content-encoding', 'gzip').removeHeader('content-length');
    const level = { level: zlibConstants.Z_BEST_SPEED };
    return stream ? (payload as Readable).pipe(createGzip(level)) : await gzipAsync(payload as string, level);
  });

  const metrics = createMetrics({ kernel: deps.kernel, director: deps.director, vrrp: deps.vrrp });
  const mutations = new ServiceMutations(deps.director, deps.store, deps.events);
  const views = (id?: string, server?: string) => serviceViews(deps.director, deps.kernel, deps.store.state, {
    ...(id !== undefined ? { id } : {}), ...(server !== undefined ? { server } : {}), history: (s) => deps.events.history(s),
  });
  const security = [{ bearer: [] }];

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(STATUS_PAGE));
  app.get('/healthz', { schema: { summary: 'Liveness: lvsd runs and its table is in the kernel' } }, async () => {
    const refused = deps.director.apiStateRefused;
    return { status: 'ok', ...(refused ? { apiState: `not in effect: ${refused}` } : {}) };
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type(metrics.contentType).send(await metrics.scrape()));
  app.get('/v1/status', { schema: { summary: 'Everything the status page shows, in one reply' } }, async () => ({
    at: new Date().toISOString(),
    services: await views(),
    vrrp: deps.vrrp(),
    events: deps.events.recent(),
  }));

  app.get('/v1/services', { schema: { summary: 'Virtual services with their real servers, health and counters' } }, async () => await views());
  app.post('/v1/services', { schema: { summary: 'Add a virtual service', body: ServiceCreate, security } }, async (req, reply) => {
    const created = await mutations.createService(req.body);
    return reply.code(201).header('location', `/v1/services/${encodeURIComponent(created.id)}`).send(created);
  });
  app.get('/v1/services/:id', { schema: { params: ServiceParams } }, async (req) => {
    const id = mutations.serviceIdOf(req.params.id);
    const [view] = await views(id);
    if (!view) throw new ApiError(404, `no virtual service ${id}`);
    return view;
  });
  app.patch('/v1/services/:id', { schema: { summary: 'Change a service the API added', params: ServiceParams, body: ServicePatch, security } }, async (req) =>
    await mutations.patchService(mutations.serviceIdOf(req.params.id), req.body));
  app.delete('/v1/services/:id', { schema: { summary: 'Remove a service the API added', params: ServiceParams, security } }, async (req, reply) => {
    await mutations.deleteService(mutations.serviceIdOf(req.params.id));
    return reply.code(204).send();
  });

  app.get('/v1/services/:id/servers', { schema: { params: ServiceParams } }, async (req) => {
    const id = mutations.serviceIdOf(req.params.id);
    const [view] = await views(id);
    if (!view) throw new ApiError(404, `no virtual service ${id}`);
    return view.servers;
  });
  app.post('/v1/services/:id/servers', { schema: { summary: 'Add a real server', params: ServiceParams, body: ServerCreate, security } }, async (req, reply) => {
    const id = mutations.serviceIdOf(req.params.id);
    const created = await mutations.addServer(id, req.body);
    return reply.code(201).header('location', `/v1/services/${encodeURIComponent(id)}/servers/${encodeURIComponent(created.id)}`).send(created);
  });
  app.get('/v1/services/:id/servers/:server', { schema: { params: ServerParams } }, async (req) => {
    const id = mutations.serviceIdOf(req.params.id);
    const rid = mutations.serverIdOf(req.params.server);
    const [view] = await views(id, rid);
    const server = view?.servers[0];
    if (!server) throw new ApiError(404, `no real server ${rid} in ${id}`);
    return server;
  });
  app.patch('/v1/services/:id/servers/:server', { schema: { summary: 'Change the weight of a real server, or drain it', params: ServerParams, body: ServerPatch, security } }, async (req) =>
    await mutations.patchServer(mutations.serviceIdOf(req.params.id), mutations.serverIdOf(req.params.server), req.body));
  app.delete('/v1/services/:id/servers/:server', {
    schema: { summary: 'Remove a real server the API added; with drain=SECONDS, once its connections end', params: ServerParams, querystring: DeleteQuery, security },
  }, async (req, reply) => {
    const drain = req.query.drain === undefined ? 0 : Number(req.query.drain);
    const result = await mutations.deleteServer(mutations.serviceIdOf(req.params.id), mutations.serverIdOf(req.params.server), drain);
    return result === 'removed' ? reply.code(204).send() : reply.code(202).send(result);
  });

  app.get('/v1/vrrp', { schema: { summary: 'VRRP instances: state, priorities, VIPs, master, transitions' } }, async () => deps.vrrp());
  app.post('/v1/reload', {
    schema: {
      summary: 'Re-read the configuration file (as SIGHUP); answers once it is applied, or refused with the reason (422)',
      // No body schema: a bare POST (curl -X POST) is the usual call, and a body is ignored.
      security,
    },
  }, async (_req, reply) => {
    const outcome = await deps.reload();
    if (!outcome.applied) {
      deps.events.add('reload', `reload through the API refused: ${outcome.reason}`);
      return reply.code(422).send({ error: `reload refused, the running configuration stays: ${outcome.reason}` });
    }
    deps.events.add('reload', 'reload through the API applied');
    return reply.code(200).send({ status: 'reloaded' });
  });
  return app;
}
