// Masking of personal data for case lists and pages: ID numbers keep the first
// 6 (the issuing county) and last 4 characters, names keep the family name.

/** `150102199001011234` → `150102********1234`; shorter values keep at most a third visible. */
export function maskId(id: string | null | undefined): string {
  if (id == null) return "";
  const s = String(id).trim();
  if (s.length >= 12) return `${s.slice(0, 6)}${"*".repeat(s.length - 10)}${s.slice(-4)}`;
  if (s.length <= 2) return "*".repeat(s.length);
  const keep = Math.max(1, Math.floor(s.length / 3));
  return `${s.slice(0, keep)}${"*".repeat(s.length - keep)}`;
}

/** `张三` → `张*`, `欧阳娜娜` → `欧***`; a compound family name is not guessed, only the first character shows. */
export function maskName(name: string | null | undefined): string {
  if (name == null) return "";
  const chars = [...String(name).trim()];
  if (chars.length === 0) return "";
  if (chars.length === 1) return "*";
  return chars[0] + "*".repeat(chars.length - 1);
}
