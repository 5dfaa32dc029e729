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
    const words = line.split(/[ \t\r]+/).filter((w) => w !== '' && w !== 'ipvsadm');
    if (words.length > 0) yield words;
  }
}

export function restoreLines(text: string): string[][] {
  return [...eachRestoreLine(text)];
}
