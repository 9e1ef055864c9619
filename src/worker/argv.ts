// Splits a command line into words the way sh does for the simple cases:
// blanks separate words, single quotes keep everything, double quotes keep
// everything but backslash escapes of " \ $ `, a backslash outside quotes
// escapes the next character. No expansions: there is no shell yet.

export function splitWords(line: string): string[] | { error: string } {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (inWord) { words.push(cur); cur = ""; inWord = false; }
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: "unterminated quoted string" };
      cur += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        cur += line[j];
      }
      if (j >= line.length) return { error: "unterminated quoted string" };
      i = j;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
    } else {
      cur += c;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
