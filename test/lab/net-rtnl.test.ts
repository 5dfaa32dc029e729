// rtnetlink against the real kernel: addresses, routes, links and the link
// watch, each checked with `ip` in a namespace of this file's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { requireLab, sh } from '../helpers/lab';
import { Rtnl, withRtnl, NetlinkError } from '../../src/net/rtnl';
import { addAddress, deleteAddress, listAddresses } from '../../src/net/addresses';
import { parseAddressSpec } from '../../src/net/address-spec';
import { addRoute, deleteRoute, listRoutes } from '../../src/net/routes';
import { parseRouteSpec } from '../../src/net/route-spec';
import { createLink, deleteLink, findLink, listLinks, setLinkUp } from '../../src/net/links';
import { LinkWatcher } from '../../src/net/link-watch';
import { readSysctl, writeSysctl } from '../../src/net/sysctl';
import type { Link } from '../../src/net/links';

// Namespaces made with sh() only: the shared helper's run() writes to the
// stdin of children that may already have exited, which can raise EPIPE.
interface Ns { name: string; sh(script: string): Promise<string>; destroy(): Promise<void> }
const Netns = {
  async create(name: string): Promise<Ns> {
    await sh(`ip netns del ${name} 2>/dev/null || true; ip netns add ${name}; ip -n ${name} link set lo up`);
    return { name, sh: (script) => sh(script, name), destroy: async () => { await sh(`ip netns del ${name}`); } };
  },
};

test('addresses with label, scope and brd are added once, listed, and deleted once', async () => {
  requireLab();
  const ns = await Netns.create('net-rtnl-addr');
  try {
    await ns.sh('ip link add eth0 type dummy && ip link set eth0 up');
    const v4 = parseAddressSpec('10.0.0.1/24 dev eth0 label eth0:vip brd + scope global');
    const v4b = parseAddressSpec('10.0.5.9/16 dev eth0 brd 10.0.255.254 scope link');
    // IPv6 scope comes from the address itself; the kernel ignores the requested one.
    const v6 = parseAddressSpec('fd00:1::5/64 dev eth0');
    // keepalived's -nodad asks for duplicate address detection: the address goes in without IFA_F_NODAD.
    const v6dad = parseAddressSpec('fd00:1::6/64 dev eth0 -nodad');
    await withRtnl(ns.name, async (nl) => {
      assert.equal(await addAddress(nl, v4), true);
      assert.equal(await addAddress(nl, v4), false, 'the second add changes nothing');
      assert.equal(await addAddress(nl, v4b), true);
      assert.equal(await addAddress(nl, v6), true);
      assert.equal(await addAddress(nl, v6dad), true);

      const shown = await ns.sh('ip -d addr show dev eth0');
      assert.match(shown, /inet 10\.0\.0\.1\/24 brd 10\.0\.0\.255 scope global eth0:vip/);
      assert.match(shown, /inet 10\.0\.5\.9\/16 brd 10\.0\.255\.254 scope link eth0/);
      assert.match(shown, /inet6 fd00:1::5\/64 scope global nodad/);
      assert.match(shown, /inet6 fd00:1::6\/64 scope global *\n/);

      const listed = await listAddresses(nl, { dev: 'eth0' });
      const vip = listed.find((a) => a.prefix.address.text === '10.0.0.1');
      assert.ok(vip, 'listed');
      assert.equal(vip.prefix.prefixLength, 24);
      assert.equal(vip.label, 'eth0:vip');
      assert.equal(vip.scopeName, 'global');
      assert.equal(vip.broadcast?.text, '10.0.0.255');
      assert.ok(listed.find((a) => a.prefix.address.text === 'fd00:1::5')?.flags.includes('nodad'));
      assert.deepEqual(listed.find((a) => a.prefix.address.text === 'fd00:1::6')?.flags.includes('nodad'), false);

      assert.equal(await deleteAddress(nl, v4), true);
      assert.equal(await deleteAddress(nl, v4), false, 'the second delete changes nothing');
      assert.equal(await deleteAddress(nl, v6), true);
    });
    const after = await ns.sh('ip addr show dev eth0');
    assert.doesNotMatch(after, /10\.0\.0\.1\/|fd00:1::5/);
    assert.match(after, /10\.0\.5\.9\/16/);
  } finally {
    await ns.destroy();
  }
});

test('a bad address request names the object and the errno, and changes nothing', async () => {
  requireLab();
  const ns = await Netns.create('net-rtnl-err');
  try {
    await ns.sh('ip link add eth0 type dummy');
    await withRtnl(ns.name, async (nl) => {
      await assert.rejects(addAddress(nl, parseAddressSpec('10.1.0.1/24 dev nosuch0')), /no interface named nosuch0 in netns net-rtnl-err/);
      await assert.rejects(addRoute(nl, parseRouteSpec('10.7.0.0/16 via 10.99.0.1')), (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, 'ENETUNREACH');
        assert.match(e.message, /add route 10\.7\.0\.0\/16 via 10\.99\.0\.1 in netns net-rtnl-err failed: ENETUNREACH/);
        return true;
      });
    });
    assert.doesNotMatch(await ns.sh('ip route show table all'), /10\.7\.0\.0/);
  } finally {
    await ns.destroy();
  }
});

test('routes with gateway, dev, src, metric, table and scope are added, listed and deleted', async () => {
  requireLab();
  const ns = await Netns.create('net-rtnl-route');
  try {
    await ns.sh('ip link add eth0 type dummy && ip link set eth0 up && ip addr add 192.168.200.1/24 dev eth0');
    const viaGw = parseRouteSpec('src 192.168.200.1 to 192.168.109.0/24 via 192.168.200.254 dev eth0 metric 5');
    const inTable = parseRouteSpec('192.168.110.0/24 dev eth0 table 6909 scope link');
    const hole = parseRouteSpec('blackhole 10.20.0.0/16');
    await withRtnl(ns.name, async (nl) => {
      for (const r of [viaGw, inTable, hole]) assert.equal(await addRoute(nl, r), true);
      assert.equal(await addRoute(nl, viaGw), false, 'the second add changes nothing');

      assert.match(await ns.sh('ip route show'), /192\.168\.109\.0\/24 via 192\.168\.200\.254 dev eth0 proto static src 192\.168\.200\.1 metric 5/);
      assert.match(await ns.sh('ip route show table 6909'), /192\.168\.110\.0\/24 dev eth0 proto static scope link/);
      assert.match(await ns.sh('ip route show'), /blackhole 10\.20\.0\.0\/16 proto static/);

      const main = await listRoutes(nl);
      const gw = main.find((r) => r.dst.address.text === '192.168.109.0');
      assert.equal(gw?.gateway?.text, '192.168.200.254');
      assert.equal(gw?.dev, 'eth0');
      assert.equal(gw?.src?.text, '192.168.200.1');
      assert.equal(gw?.metric, 5);
      assert.equal(main.find((r) => r.dst.address.text === '10.20.0.0')?.type, 'blackhole');
      const other = await listRoutes(nl, { table: 6909 });
      assert.deepEqual(other.map((r) => [r.dst.address.text, r.dst.prefixLength, r.scope]), [['192.168.110.0', 24, 253]]);

      for (const r of [viaGw, inTable, hole]) assert.equal(await deleteRoute(nl, r), true);
      assert.equal(await deleteRoute(nl, hole), false, 'the second delete changes nothing');
    });
    assert.doesNotMatch(await ns.sh('ip route show table all'), /192\.168\.109|192\.168\.110|10\.20\.0/);
  } finally {
    await ns.destroy();
  }
});

test('links: list, look up, create dummy/ipip/gre, bring up and down, delete', async () => {
  requireLab();
  const ns = await Netns.create('net-rtnl-link');
  try {
    await withRtnl(ns.name, async (nl) => {
      const names = (await listLinks(nl)).map((l) => l.name);
      assert.ok(names.includes('lo') && names.includes('tunl0'), `lo and tunl0 listed: ${names.join(' ')}`);
      assert.equal(await findLink(nl, 'nosuch0'), undefined);

      assert.equal(await createLink(nl, { kind: 'dummy', name: 'dum0' }), true);
      assert.equal(await createLink(nl, { kind: 'dummy', name: 'dum0' }), false);
      assert.equal(await createLink(nl, { kind: 'ipip', name: 'ipip1', local: '10.3.0.1', remote: '10.3.0.2', ttl: 64 }), true);
      assert.equal(await createLink(nl, { kind: 'gre', name: 'gre1', local: '10.3.0.1', remote: '10.3.0.3' }), true);
      assert.match(await ns.sh('ip -d link show ipip1'), /ipip remote 10\.3\.0\.2 local 10\.3\.0\.1 ttl 64/);
      assert.match(await ns.sh('ip -d link show gre1'), /gre remote 10\.3\.0\.3 local 10\.3\.0\.1/);

      assert.equal(await setLinkUp(nl, 'dum0', true), true);
      assert.equal(await setLinkUp(nl, 'dum0', true), false);
      const dum = await findLink(nl, 'dum0');
      assert.equal(dum?.kind, 'dummy');
      assert.equal(dum?.adminUp, true);
      assert.match(dum?.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.match(await ns.sh('ip link show dum0'), new RegExp(`<[^>]*\\bUP\\b[^>]*>.*\\n.*link/ether ${dum?.mac}`));
      assert.equal(dum?.mtu, 1500);

      for (const name of ['dum0', 'ipip1', 'gre1']) assert.equal(await deleteLink(nl, name), true);
      assert.equal(await deleteLink(nl, 'dum0'), false);
    });
    assert.doesNotMatch(await ns.sh('ip link show'), /dum0|ipip1|gre1/);
  } finally {
    await ns.destroy();
  }
});

test('the link watch sees a veth going down and up', async () => {
  requireLab();
  const a = await Netns.create('net-rtnl-wa');
  const b = await Netns.create('net-rtnl-wb');
  let watcher: LinkWatcher | undefined;
  try {
    await sh(`ip link add veth-wa netns ${a.name} type veth peer name veth-wb netns ${b.name}
ip -n ${a.name} link set veth-wa up
ip -n ${b.name} link set veth-wb up`);
    watcher = await LinkWatcher.start({ netns: a.name });
    assert.equal(watcher.links().get('veth-wa')?.running, true);
    const waitFor = (event: 'up' | 'down') => (async () => {
      for (;;) {
        const [link] = (await once(watcher!, event)) as [Link];
        if (link.name === 'veth-wa') return link;
      }
    })();

    let seen = waitFor('down');
    await b.sh('ip link set veth-wb down'); // the peer going down takes our carrier away
    const lost = await seen;
    assert.equal(lost.adminUp, true);
    assert.equal(lost.running, false);
    assert.notEqual(lost.operstate, 'up');

    seen = waitFor('up');
    await b.sh('ip link set veth-wb up');
    assert.equal((await seen).operstate, 'up');

    seen = waitFor('down');
    await a.sh('ip link set veth-wa down');
    assert.equal((await seen).adminUp, false);
  } finally {
    watcher?.close();
    await a.destroy();
    await b.destroy();
  }
});

test('a socket opened in a namespace stays there; sysctls follow the namespace too', async () => {
  requireLab();
  const ns = await Netns.create('net-rtnl-ns');
  try {
    await ns.sh('ip link add only-here type dummy');
    const nl = Rtnl.open({ netns: ns.name });
    try {
      assert.ok(await findLink(nl, 'only-here'));
    } finally {
      nl.close();
    }
    await withRtnl(undefined, async (root) => assert.equal(await findLink(root, 'only-here'), undefined));

    writeSysctl('net.ipv4.conf.only-here.arp_announce', 2, { netns: ns.name });
    assert.equal(readSysctl('net.ipv4.conf.only-here.arp_announce', { netns: ns.name }), '2');
    assert.equal((await ns.sh('cat /proc/sys/net/ipv4/conf/only-here/arp_announce')).trim(), '2');
    assert.throws(() => readSysctl('net.ipv4.conf.only-here.arp_announce'), /does not exist/);
    writeSysctl('net.ipv4.ip_forward', 1, { netns: ns.name });
    assert.equal((await ns.sh('cat /proc/sys/net/ipv4/ip_forward')).trim(), '1');
    assert.equal(readSysctl('net.ipv4.ip_forward'), '0', 'the root namespace keeps its own value');
  } finally {
    await ns.destroy();
  }
});
