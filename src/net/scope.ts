// Address and route scopes: the names operators write (keepalived, `ip`)
// and the numbers the kernel stores (RT_SCOPE_*).

const SCOPE_BY_NAME: Record<string, number> = {
  global: 0,
  universe: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
};

const NAME_BY_SCOPE = new Map<number, string>([[0, 'global'], [200, 'site'], [253, 'link'], [254, 'host'], [255, 'nowhere']]);

export function parseScope(text: string): number {
  const named = SCOPE_BY_NAME[text.toLowerCase()];
  if (named !== undefined) return named;
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return Number(text);
  throw new Error(`invalid scope ${JSON.stringify(text)}: expected host, link, global, site, nowhere or 0..255`);
}

export function scopeName(scope: number): string {
  return NAME_BY_SCOPE.get(scope) ?? String(scope);
}
