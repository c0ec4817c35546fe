// Colour scales readable by colour-blind users (ColorBrewer RdYlBu, Okabe–Ito):
// blue for good, orange/red for poor, always paired with text.

export const GRADES = ["优秀", "良好", "合格", "不合格"];
export const GRADE_COLORS = ["#2c7bb6", "#abd9e9", "#fdae61", "#d7191c"];
export const GRADE_TEXT = ["#fff", "#1a1a1a", "#1a1a1a", "#fff"];

export function gradeColor(grade) {
  const i = GRADES.indexOf(grade);
  return i < 0 ? "#d9d9d9" : GRADE_COLORS[i];
}

export function gradeText(grade) {
  const i = GRADES.indexOf(grade);
  return i < 0 ? "#1a1a1a" : GRADE_TEXT[i];
}

/** Grade of a 0–100 score (≥90 优秀, ≥80 良好, ≥60 合格, else 不合格). */
export function gradeOf(score) {
  if (score === null || score === undefined || Number.isNaN(score)) return null;
  return score >= 90 ? "优秀" : score >= 80 ? "良好" : score >= 60 ? "合格" : "不合格";
}

/** A cell colour for a 0–100 score, on the same blue–red legend as the grades. */
export function scoreColor(score) {
  return gradeColor(gradeOf(score));
}

export const SIGNAL_COLOR = "#d55e00"; // Okabe–Ito vermillion
export const LINE_COLOR = "#0072b2"; // Okabe–Ito blue
export const PEER_COLOR = "#999999";
