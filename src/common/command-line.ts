// One way to turn a command line into a program and its arguments, for every
// place lvsd runs an operator's program.

/**
 * Splits a program's command line (misc_path, notify, script...) into argv the
 * way an operator expects: whitespace separates words, single quotes keep text
 * as is, double quotes keep spaces and honour backslash escapes. No expansion
 * of any kind: the words go to the program, never to a shell.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = ''; else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = '';
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== '') throw new Error(`${JSON.stringify(line)}: unterminated ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error('the command line is empty');
  return words;
}
