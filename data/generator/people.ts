// Resident ID numbers (GB 11643: 6-digit area, birth date, sequence, ISO 7064 MOD 11-2
// check digit) and plausible Chinese (and, in Inner Mongolia, Mongolian) names.
import { dayOf, ymd } from "./calendar.js";
import type { Rng } from "./random.js";

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** The check character of the first 17 digits. */
export function idCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export function isValidId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  if (idCheckDigit(id.slice(0, 17)) !== id[17]) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const { y: y2, m: m2, d: d2 } = ymd(dayOf(y, m, d));
  return y === y2 && m === m2 && d === d2;
}

/** The same ID with a wrong check character (for planted bad rows). */
export function corruptCheckDigit(id: string): string {
  const right = id[17]!;
  const i = CHECK.indexOf(right);
  return id.slice(0, 17) + CHECK[(i + 3) % 11]!;
}

/** Issues unique ID numbers for one area prefix. */
export class IdPool {
  private readonly issued = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /** A fresh, valid ID for someone registered in `area` (6 digits), born on `birth` (day number). */
  issue(area: string, birth: number, male: boolean): string {
    const { y, m, d } = ymd(birth);
    const stem = `${area}${y}${m < 10 ? "0" : ""}${m}${d < 10 ? "0" : ""}${d}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      // odd = male; 980–999 are reserved for the planned duplicate persons
      const seq = this.rng.int(0, 489) * 2 + (male ? 1 : 0);
      const first17 = `${stem}${String(seq).padStart(3, "0")}`;
      if (!this.issued.has(first17)) {
        this.issued.add(first17);
        return first17 + idCheckDigit(first17);
      }
    }
    // Extremely crowded birthday: step to the next day.
    return this.issue(area, birth + 1, male);
  }
}

const SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
const MALE = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘";
const FEMALE = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽";
// Rare characters that need GB18030's four-byte sequences (CJK extensions), as in real registers.
const RARE = ["䶮", "𬌗", "𬱖", "㛃", "䒟"];
const MONGOLIAN_MALE = ["巴特尔", "额尔敦", "那仁", "朝鲁", "宝音", "苏和", "孟和", "巴雅尔", "乌力吉", "斯琴", "阿拉坦", "毕力格", "达来", "布和", "特木尔", "额尔德尼", "满都拉", "吉日嘎拉"];
const MONGOLIAN_FEMALE = ["其木格", "乌兰", "萨仁", "苏日娜", "娜仁花", "乌云", "高娃", "琪琪格", "塔娜", "斯琴高娃", "托娅", "图雅", "阿拉坦其其格", "乌日娜", "敖登"];

export function personName(rng: Rng, male: boolean, mongolianShare: number, surname?: string): string {
  if (!surname && rng.chance(mongolianShare)) return rng.pick(male ? MONGOLIAN_MALE : MONGOLIAN_FEMALE);
  const family = surname ?? familyName(rng);
  const pool = male ? MALE : FEMALE;
  if (rng.chance(0.002)) return family + rng.pick(RARE);
  const given = rng.chance(0.35) ? pool[rng.int(0, pool.length - 1)]! : pool[rng.int(0, pool.length - 1)]! + pool[rng.int(0, pool.length - 1)]!;
  return family + given;
}

/** A surname, the common ones more often (a rough Zipf law). */
export function familyName(rng: Rng): string {
  const i = Math.min(SURNAMES.length - 1, Math.floor(Math.pow(rng.next(), 2.2) * SURNAMES.length));
  return SURNAMES[i]!;
}

/** The surname of a Han name (first character), or undefined for Mongolian names. */
export function surnameOf(name: string): string | undefined {
  const first = name[0]!;
  return SURNAMES.includes(first) ? first : undefined;
}
