// Request and reply shapes of the REST API (TypeBox: JSON Schema for
// validation and for the OpenAPI document at /docs).
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Weight = Type.Integer({ minimum: 0, maximum: 2147483647, description: 'scheduling weight; 0 quiesces' });
const Threshold = Type.Integer({ minimum: 0, maximum: 0x7fffffff });
const Seconds = Type.Number({ minimum: 0, maximum: 86400 });
const Count = Type.Integer({ minimum: 0, maximum: 1000 });
const strict = { additionalProperties: false } as const;

export const SchedulerFlag = Type.Union(['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'].map((f) => Type.Literal(f)));

export const Persistence = Type.Object({
  timeout: Type.Integer({ minimum: 1, maximum: 0x7fffffff, description: 'persistence timeout in seconds' }),
  granularity: Type.Optional(Type.String({ maxLength: 39, description: 'IPv4 netmask or prefix length; IPv6 prefix length' })),
  engine: Type.Optional(Type.String({ pattern: '^[a-z]{1,15}$', description: 'persistence engine, e.g. sip' })),
}, strict);

export const ServiceCreate = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 64, description: 'tcp:10.0.0.1:80, udp:[fd00::1]:53, fwm:7, fwm6:7; instead of the fields below' })),
  protocol: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('sctp')])),
  address: Type.Optional(Type.String({ maxLength: 45 })),
  port: Type.Optional(Port),
  fwmark: Type.Optional(Type.Integer({ minimum: 1, maximum: 0xffffffff })),
  family: Type.Optional(Type.Union([Type.Literal('inet'), Type.Literal('inet6')], { description: 'of a firewall-mark service; default inet' })),
  scheduler: Type.Optional(Type.String({ pattern: '^[a-z]{1,15}$', description: 'IPVS scheduler; default wlc' })),
  schedulerFlags: Type.Optional(Type.Array(SchedulerFlag, { maxItems: 3 })),
  ops: Type.Optional(Type.Boolean({ description: 'one-packet scheduling (UDP)' })),
  persistence: Type.Optional(Persistence),
}, strict);
export type ServiceCreate = Static<typeof ServiceCreate>;

export const ServicePatch = Type.Object({
  scheduler: Type.Optional(Type.String({ pattern: '^[a-z]{1,15}$' })),
  schedulerFlags: Type.Optional(Type.Array(SchedulerFlag, { maxItems: 3 })),
  ops: Type.Optional(Type.Boolean()),
  persistence: Type.Optional(Type.Union([Persistence, Type.Null()], { description: 'null turns persistence off' })),
}, { ...strict, minProperties: 1 });
export type ServicePatch = Static<typeof ServicePatch>;

export const UrlBody = Type.Object({
  path: Type.String({ maxLength: 2048 }),
  digest: Type.Optional(Type.String({ maxLength: 32 })),
  statusCode: Type.Optional(Type.String({ maxLength: 200, description: 'e.g. "200", "200-299 301"' })),
  virtualhost: Type.Optional(Type.String({ maxLength: 255 })),
  regex: Type.Optional(Type.String({ maxLength: 1024, description: 'the body must match it (JavaScript syntax)' })),
  regexNoMatch: Type.Optional(Type.Boolean({ description: 'the body must not match regex' })),
}, strict);

// MISC_CHECK is not offered here: it runs a program as root, which only the
// configuration file (writable by root alone) may ask for.
export const CheckBody = Type.Object({
  kind: Type.Union(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'PING_CHECK', 'UDP_CHECK', 'DNS_CHECK', 'SMTP_CHECK'].map((k) => Type.Literal(k))),
  connectIp: Type.Optional(Type.String({ maxLength: 45 })),
  connectPort: Type.Optional(Port),
  bindTo: Type.Optional(Type.String({ maxLength: 45 })),
  bindPort: Type.Optional(Port),
  connectTimeout: Type.Optional(Seconds),
  delayLoop: Type.Optional(Seconds),
  retry: Type.Optional(Count),
  delayBeforeRetry: Type.Optional(Seconds),
  warmup: Type.Optional(Seconds),
  rise: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  fall: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  alpha: Type.Optional(Type.Boolean()),
  urls: Type.Optional(Type.Array(UrlBody, { minItems: 1, maxItems: 32 })),
  httpProtocol: Type.Optional(Type.Union([Type.Literal('1.0'), Type.Literal('1.0C'), Type.Literal('1.1')])),
  virtualhost: Type.Optional(Type.String({ maxLength: 255 })),
  enableSni: Type.Optional(Type.Boolean()),
  payload: Type.Optional(Type.String({ maxLength: 4096, description: 'UDP payload in hex' })),
  requireReply: Type.Optional(Type.Union([Type.Boolean(), Type.String({ maxLength: 4096 })])),
  minReplyLength: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  maxReplyLength: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  dnsType: Type.Optional(Type.String({ maxLength: 6 })),
  dnsName: Type.Optional(Type.String({ maxLength: 255 })),
  heloName: Type.Optional(Type.String({ maxLength: 255 })),
}, strict);
export type CheckBody = Static<typeof CheckBody>;

export const Tunnel = Type.Object({
  type: Type.Union([Type.Literal('ipip'), Type.Literal('gue'), Type.Literal('gre')]),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'GUE destination port' })),
  checksum: Type.Optional(Type.Union([Type.Literal('nocsum'), Type.Literal('csum'), Type.Literal('remcsum')])),
}, strict);

export const ServerCreate = Type.Object({
  address: Type.String({ maxLength: 45 }),
  port: Port,
  weight: Type.Optional(Weight),
  forward: Type.Optional(Type.Union([Type.Literal('nat'), Type.Literal('dr'), Type.Literal('tun')], { description: 'default dr' })),
  tunnel: Type.Optional(Tunnel),
  upperThreshold: Type.Optional(Threshold),
  lowerThreshold: Type.Optional(Threshold),
  inhibitOnFailure: Type.Optional(Type.Boolean({ description: 'a failed server stays at weight 0 instead of being removed' })),
  check: Type.Optional(CheckBody),
}, strict);
export type ServerCreate = Static<typeof ServerCreate>;

export const ServerPatch = Type.Object({
  weight: Type.Optional(Weight),
  drain: Type.Optional(Type.Boolean({ description: 'true quiesces (weight 0) and keeps the server; false restores its weight' })),
}, { ...strict, minProperties: 1 });
export type ServerPatch = Static<typeof ServerPatch>;

export const ServiceParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type ServiceParams = Static<typeof ServiceParams>;
export const ServerParams = Type.Object({ id: Type.String({ maxLength: 64 }), server: Type.String({ maxLength: 64 }) });
export type ServerParams = Static<typeof ServerParams>;
export const DeleteQuery = Type.Object({
  drain: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: 'seconds to wait for active connections to end' })),
}, strict);
export type DeleteQuery = Static<typeof DeleteQuery>;
