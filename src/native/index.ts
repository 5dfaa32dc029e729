// Typed access to the native addon built by `npm ci` (build/Release/lvsd_native.node).
import { join } from 'node:path';

export interface NativeAddon {
  enterNetns(path: string): number;
  leaveNetns(fd: number): void;
}

let cached: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!cached) {
    // dist/src/native -> repository root
    const root = join(__dirname, '..', '..', '..');
    cached = require(join(root, 'build', 'Release', 'lvsd_native.node')) as NativeAddon;
  }
  return cached;
}
