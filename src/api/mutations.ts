// Each change the API offers, as a mutation of the API state: it checks the
// request against the running configuration and the state, refuses with the
// reason, and only then edits the draft (records are replaced, never changed).
import { fileRealServer, fileServerIds, type ApiRealServer, type ApiService, type ApiState, type ServiceOrigin } from '../director/api-state';
import { parseRealServerId, parseServiceId, realServerId, serviceId } from '../director/ids';
import type { ServiceKey } from '../ipvs/types';
import type { EventLog } from './events';
import { ApiError, patchService, serverFromBody, serviceFromBody } from './objects';
import type { ServerCreate, ServerPatch, ServiceCreate, ServicePatch } from './schemas';
import type { ApiStore } from './store';
import type { DirectorView } from './views';

export type ServiceReply = ApiService & { id: string; origin: 'api' };
export type ServerReply = ApiRealServer & { id: string; service: string; origin: 'api' | 'file' };

export class ServiceMutations {
  constructor(private readonly director: DirectorView, private readonly store: ApiStore, private readonly events: EventLog) {}

  /** The canonical id of a service id from a path; 400 when it is not one. */
  serviceIdOf(text: string): string {
    const key = parseServiceId(text);
    if ('error' in key) throw new ApiError(400, `service id: ${key.error}`, 'id');
    return serviceId(key);
  }

  serverIdOf(text: string): string {
    const key = parseRealServerId(text);
    if ('error' in key) throw new ApiError(400, `real server id: ${key.error}`, 'server');
    return realServerId(key);
  }

  private fileService(id: string): ServiceOrigin | undefined {
    const s = this.director.effectiveConfig?.services.get(id);
    return s?.origin === 'file' ? s : undefined;
  }

  /** The key of a service in the file or in the draft (the API's may be only a few requests old). */
  private serviceKey(draft: Readonly<ApiState>, id: string): ServiceKey {
    const file = this.fileService(id);
    if (file?.group !== undefined) {
      throw new ApiError(409, `${id} is a member of virtual_server_group ${file.group} (${file.at}): add its real servers in the configuration file`);
    }
    const key = file ? parseServiceId(id) : draft.services[id]?.key;
    if (!key || 'error' in key) throw new ApiError(404, `no virtual service ${id}`);
    return key;
  }

  private fileOwned(id: string, what: string): never {
    const file = this.fileService(id);
    throw new ApiError(409, `${what} is defined in the configuration file (${file?.at ?? 'unknown place'}): change it there`);
  }

  async createService(body: ServiceCreate): Promise<ServiceReply> {
    const svc = serviceFromBody(body);
    const id = serviceId(svc.key);
    const reply = await this.store.change(({ state, edit }) => {
      if (this.fileService(id)) this.fileOwned(id, `virtual service ${id}`);
      if (state.services[id]) throw new ApiError(409, `virtual service ${id} exists already`);
      edit({ kind: 'service', service: id, value: svc });
      return { id, origin: 'api' as const, ...svc };
    });
    this.events.add('api', `service ${id} added`);
    return reply;
  }

  async patchService(id: string, body: ServicePatch): Promise<ServiceReply> {
    const reply = await this.store.change(({ state, edit }) => {
      const svc = state.services[id];
      if (!svc) return this.fileService(id) ? this.fileOwned(id, `virtual service ${id}`) : notFound(`no virtual service ${id}`);
      const next = patchService(svc, body);
      edit({ kind: 'service', service: id, value: next });
      return { id, origin: 'api' as const, ...next };
    });
    this.events.add('api', `service ${id} changed`);
    return reply;
  }

  async deleteService(id: string): Promise<void> {
    await this.store.change(({ state, edit }) => {
      if (!state.services[id]) return this.fileService(id) ? this.fileOwned(id, `virtual service ${id}`) : notFound(`no virtual service ${id}`);
      edit({ kind: 'service', service: id });
      return undefined;
    });
    this.events.add('api', `service ${id} removed`);
  }

  async addServer(sid: string, body: ServerCreate): Promise<ServerReply> {
    const reply = await this.store.change(({ state, edit }) => {
      const key = this.serviceKey(state, sid);
      const rs = serverFromBody(body, key);
      const rid = realServerId({ family: key.family, address: rs.address, port: rs.port });
      if (this.fileServerIds(sid).has(rid)) this.fileOwned(sid, `real server ${rid} of ${sid}`);
      if (state.servers[sid]?.[rid]) throw new ApiError(409, `real server ${rid} of ${sid} exists already`);
      edit({ kind: 'server', service: sid, server: rid, value: rs });
      return { id: rid, service: sid, origin: 'api' as const, ...rs };
    });
    this.events.add('api', `real server ${reply.id} added to ${sid}`);
    return reply;
  }

  async patchServer(sid: string, rid: string, body: ServerPatch): Promise<ServerReply> {
    const reply = await this.store.change(({ state, edit }): ServerReply => {
      const api = state.servers[sid]?.[rid];
      if (api) {
        if (api.removeBy !== undefined) throw new ApiError(409, `real server ${rid} of ${sid} is being removed`);
        const next: ApiRealServer = { ...api, ...(body.weight !== undefined ? { weight: body.weight } : {}), ...(body.drain !== undefined ? { drained: body.drain } : {}) };
        edit({ kind: 'server', service: sid, server: rid, value: next });
        return { id: rid, service: sid, origin: 'api', ...next };
      }
      const file = this.fileService(sid);
      const config = this.director.running;
      const rs = file && config ? fileRealServer(config, sid, rid) : undefined;
      if (!file || !rs) return notFound(`no real server ${rid} in ${sid}`);
      if (file.group !== undefined) throw new ApiError(409, `${sid} is a member of virtual_server_group ${file.group} (${file.at}): change its real servers in the configuration file`);
      const old = state.overrides[sid]?.[rid] ?? {};
      const next = { ...old, ...(body.weight !== undefined ? { weight: body.weight } : {}), ...(body.drain !== undefined ? { drained: body.drain } : {}) };
      edit({ kind: 'override', service: sid, server: rid, value: next });
      return {
        id: rid, service: sid, origin: 'file', address: rs.address, port: rs.port, weight: next.weight ?? rs.weight,
        forward: rs.method.kind === 'NAT' ? 'nat' : rs.method.kind === 'DR' ? 'dr' : 'tun', inhibitOnFailure: rs.inhibitOnFailure, drained: next.drained ?? false,
      };
    });
    this.events.add('api', `real server ${rid} of ${sid}: ${body.drain === true ? 'drained' : body.drain === false ? 'back from drain' : ''}${body.weight !== undefined ? ` weight ${body.weight}` : ''}`.trim());
    return reply;
  }

  /** Removes now, or (drain > 0) quiesces and leaves the removal to the drain watcher. */
  async deleteServer(sid: string, rid: string, drainSec: number): Promise<'removed' | ServerReply> {
    const reply = await this.store.change(({ state, edit }): 'removed' | ServerReply => {
      const api = state.servers[sid]?.[rid];
      if (!api) return this.fileServerIds(sid).has(rid) ? this.fileOwned(sid, `real server ${rid} of ${sid}`) : notFound(`no real server ${rid} in ${sid}`);
      if (drainSec === 0) {
        edit({ kind: 'server', service: sid, server: rid });
        return 'removed';
      }
      const next = { ...api, removeBy: Date.now() + drainSec * 1000 };
      edit({ kind: 'server', service: sid, server: rid, value: next });
      return { id: rid, service: sid, origin: 'api', ...next };
    });
    this.events.add('api', reply === 'removed' ? `real server ${rid} removed from ${sid}` : `real server ${rid} of ${sid} draining for up to ${drainSec} s`);
    return reply;
  }

  /** Ends a drain: removes the server if it is still being removed. */
  async finishRemoval(sid: string, rid: string, why: string): Promise<void> {
    const removed = await this.store.change(({ state, edit }) => {
      if (state.servers[sid]?.[rid]?.removeBy === undefined) return false;
      edit({ kind: 'server', service: sid, server: rid });
      return true;
    });
    if (removed) this.events.add('api', `real server ${rid} removed from ${sid} (${why})`);
  }

  private fileServerIds(sid: string): ReadonlySet<string> {
    const effective = this.director.effectiveConfig;
    return effective ? fileServerIds(effective, sid) : NONE;
  }
}

const NONE: ReadonlySet<string> = new Set();

function notFound(message: string): never {
  throw new ApiError(404, message);
}
