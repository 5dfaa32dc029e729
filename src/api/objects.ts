// Request bodies into API objects: what a schema cannot say (addresses,
// families, complete health checks) is checked here, and a refusal names the
// field and the reason.
import ipaddr from 'ipaddr.js';
import { buildCheckSpec, CheckSpecError, type CheckInput } from '../check/spec';
import type { CheckSpec } from '../check/types';
import type { ApiRealServer, ApiService } from '../director/api-state';
import { canonicalAddress, familyOf, isTableAddress, parseServiceId } from '../director/ids';
import { AF_INET, AF_INET6, type ServiceKey } from '../ipvs/types';
import type { CheckBody, ServerCreate, ServiceCreate, ServicePatch } from './schemas';

/** A refusal of the API: an HTTP status, a sentence, and the field it is about. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, message: string, readonly field?: string, readonly extra?: Record<string, unknown>) {
    super(message);
  }
}

const bad = (field: string, message: string): never => {
  throw new ApiError(400, `${field}: ${message}`, field);
};

function address(field: string, text: string): string {
  if (!isTableAddress(text)) bad(field, `"${text}" is not an IP address (a dotted quad, or IPv6 without a zone)`);
  return canonicalAddress(text);
}

function serviceKeyOf(body: ServiceCreate): ServiceKey {
  const fields = ['protocol', 'address', 'port', 'fwmark', 'family'] as const;
  if (body.id !== undefined) {
    const extra = fields.find((f) => body[f] !== undefined);
    if (extra) bad(extra, 'give either id or the fields of the service, not both');
    const key = parseServiceId(body.id);
    if ('error' in key) return bad('id', key.error);
    return key;
  }
  if (body.fwmark !== undefined) {
    const extra = (['protocol', 'address', 'port'] as const).find((f) => body[f] !== undefined);
    if (extra) bad(extra, 'a firewall-mark service has no protocol, address or port');
    return { family: body.family === 'inet6' ? AF_INET6 : AF_INET, fwmark: body.fwmark };
  }
  if (body.family !== undefined) bad('family', 'only a firewall-mark service takes a family (it follows the address otherwise)');
  if (body.protocol === undefined) bad('protocol', 'required (tcp, udp or sctp), or give fwmark or id');
  if (body.address === undefined) bad('address', 'required');
  if (body.port === undefined) bad('port', 'required');
  const a = address('address', body.address!);
  return { family: familyOf(a), protocol: body.protocol!, address: a, port: body.port! };
}

function persistenceOf(p: NonNullable<ServiceCreate['persistence']>, key: ServiceKey): ApiService['persistence'] {
  if (p.granularity !== undefined) {
    const g = p.granularity;
    const v6 = key.family === AF_INET6;
    const ok = v6 ? /^\d{1,3}$/.test(g) && Number(g) <= 128
      : (/^\d{1,2}$/.test(g) && Number(g) <= 32) || (ipaddr.IPv4.isValidFourPartDecimal(g) && ipaddr.IPv4.parse(g).prefixLengthFromSubnetMask() !== null);
    if (!ok) bad('persistence.granularity', v6 ? 'must be a prefix length 0-128' : 'must be a netmask like 255.255.255.0 or a prefix length 0-32');
  }
  return { timeoutSec: p.timeout, ...(p.granularity !== undefined ? { granularity: p.granularity } : {}), ...(p.engine !== undefined ? { engine: p.engine } : {}) };
}

export function serviceFromBody(body: ServiceCreate): ApiService {
  const key = serviceKeyOf(body);
  if (body.ops && key.protocol !== 'udp') bad('ops', 'one-packet scheduling is for UDP services');
  return {
    key,
    scheduler: body.scheduler ?? 'wlc',
    schedulerFlags: [...new Set(body.schedulerFlags ?? [])],
    ops: body.ops ?? false,
    ...(body.persistence ? { persistence: persistenceOf(body.persistence, key) } : {}),
  };
}

export function patchService(svc: ApiService, body: ServicePatch): ApiService {
  const next: ApiService = { ...svc };
  if (body.scheduler !== undefined) next.scheduler = body.scheduler;
  if (body.schedulerFlags !== undefined) next.schedulerFlags = [...new Set(body.schedulerFlags)];
  if (body.ops !== undefined) {
    if (body.ops && svc.key.protocol !== 'udp') bad('ops', 'one-packet scheduling is for UDP services');
    next.ops = body.ops;
  }
  if (body.persistence === null) delete next.persistence;
  else if (body.persistence !== undefined) next.persistence = persistenceOf(body.persistence, svc.key);
  return next;
}

function checkOf(body: CheckBody, server: { address: string; port: number }): CheckSpec {
  const input: CheckInput = { ...body, kind: body.kind as CheckInput['kind'], server };
  // Strict bodies: a flag that would be dropped is refused (keepalived.conf only warns of it).
  const lone = (body.urls ?? []).findIndex((u) => u.regexNoMatch !== undefined && u.regex === undefined);
  if (lone >= 0) bad(`check.urls[${lone}].regexNoMatch`, 'applies to a url with a regex only');
  try {
    return buildCheckSpec(input);
  } catch (err) {
    if (err instanceof CheckSpecError) return bad('check', err.message);
    throw err;
  }
}

export function serverFromBody(body: ServerCreate, service: ServiceKey): ApiRealServer {
  const a = address('address', body.address);
  const forward = body.forward ?? 'dr';
  if (body.tunnel && forward !== 'tun') bad('tunnel', 'only a server with forward "tun" has tunnel settings');
  if (body.tunnel?.port !== undefined && body.tunnel.type !== 'gue') bad('tunnel.port', 'only a GUE tunnel has a port');
  if (body.tunnel?.type === 'gue' && body.tunnel.port === undefined) bad('tunnel.port', 'a GUE tunnel needs the destination port');
  // What ipvsadm allows: no checksum options on IPIP, no remote checksum offload on GRE.
  if (body.tunnel?.checksum !== undefined && body.tunnel.type === 'ipip') bad('tunnel.checksum', 'an IPIP tunnel has no checksum options (GUE and GRE have)');
  if (body.tunnel?.checksum === 'remcsum' && body.tunnel.type === 'gre') bad('tunnel.checksum', 'a GRE tunnel does not support remcsum');
  // Only a tunnel can carry one family inside the other.
  if (familyOf(a) !== service.family && forward !== 'tun') bad('address', `a server of another address family than the service needs forward "tun"`);
  if (service.fwmark === undefined && body.port === 0) bad('port', 'must be 1-65535 (only a firewall-mark service takes port 0)');
  const { upperThreshold: upper, lowerThreshold: lower } = body;
  // The kernel refuses a lower threshold above the upper one, an upper of 0 (none) included.
  if ((lower ?? 0) > (upper ?? 0)) bad('lowerThreshold', `${lower} is above upperThreshold ${upper ?? 0}`);
  return {
    address: a,
    port: body.port,
    weight: body.weight ?? 1,
    forward,
    ...(body.tunnel ? { tunnel: body.tunnel } : {}),
    ...(upper !== undefined ? { upperThreshold: upper } : {}),
    ...(lower !== undefined ? { lowerThreshold: lower } : {}),
    inhibitOnFailure: body.inhibitOnFailure ?? false,
    ...(body.check ? { check: checkOf(body.check, { address: a, port: body.port }) } : {}),
    drained: false,
  };
}
