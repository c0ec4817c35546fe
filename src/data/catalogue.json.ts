// The indicator catalogue, the scorecard configuration and the allocation rules, as
// the methodology and index pages show them (configuration, not warehouse data).
import { DEFAULT_ALLOCATION } from "../../metrics/allocation/config.js";
import { DEFAULT_SCORECARD } from "../../metrics/scorecard/config.js";
import { indicatorCatalogue } from "./_catalogue.js";

process.stdout.write(
  JSON.stringify({
    indicators: await indicatorCatalogue(),
    scorecard: DEFAULT_SCORECARD,
    allocation: DEFAULT_ALLOCATION,
  }),
);
