// Splits -R input into argument lists the way ipvsadm's config_stream_read
// does: blank-separated words, the word "ipvsadm" dropped wherever it
// appears, '#' given no special meaning, and a last unterminated line lost
// when it ends in more than one blank.

/** Each line's words, split only when reached: a large restore need not hold every line's words at once. */
export function* eachRestoreLine(text: string): Generator<string[]> {
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const last = nl < 0;
    const line = text.slice(start, last ? text.length : nl);
    start = last ? text.length : nl + 1;
    if (last && /[ \t\r]{2,}$/.test(line)) return;
    const words = lineWords(line);
    if (words.length > 0) yield words;
  }
}

const isSeparator = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;

/** The words of one line, without "ipvsadm": a plain scan, as a restore splits every line. */
function lineWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && isSeparator(line.charCodeAt(i))) i++;
    const start = i;
    while (i < line.length && !isSeparator(line.charCodeAt(i))) i++;
    if (i > start) {
      // ipvsadm's words are C strings: one ends at its first NUL byte.
      const nul = line.indexOf('\0', start);
      const word = line.slice(start, nul >= 0 && nul < i ? nul : i);
      if (word !== 'ipvsadm') words.push(word);
    }
  }
  return words;
}

export function restoreLines(text: string): string[][] {
  return [...eachRestoreLine(text)];
}
