// The options of an lvsd tool (`lvsd plan`, `lvsd doctor`...): -h/--help
// prints its usage, a wrong option prints the error and the usage (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

export type ToolArgs<O extends Options> =
  | { values: ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true }>>['values'] }
  | { exit: number };

export function parseToolArgs<O extends Options>(tool: string, usage: string, argv: string[], options: O): ToolArgs<O> {
  try {
    const { values } = parseArgs({ args: argv, options: { ...options, ...HELP }, strict: true });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(usage);
      return { exit: 0 };
    }
    return { values };
  } catch (err) {
    process.stderr.write(`lvsd ${tool}: ${(err as Error).message}\n${usage}`);
    return { exit: 2 };
  }
}
