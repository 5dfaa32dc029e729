// Splits -R input into argument lists the way ipvsadm's config_stream_read
// does: blank-separated words, the word "ipvsadm" dropped wherever it
// appears, '#' given no special meaning, and a last unterminated line lost
// when it ends in more than one blank.

export function restoreLines(text: string): string[][] {
  const segments = text.split('\n');
  const last = segments.pop() ?? '';
  if (!/[ \t\r]{2,}$/.test(last)) segments.push(last);
  return segments
    .map((line) => line.split(/[ \t\r]+/).filter((w) => w !== '' && w !== 'ipvsadm'))
    .filter((words) => words.length > 0);
}
