// A worker thread of the demo generator: it builds the same province model as the
// main thread (deterministic from the options), then simulates the counties it is
// sent, one message each, and posts each county's result back. Files are written by
// the worker itself; the main thread merges the results in county order, so the
// output is byte-identical to a run on one thread.
import { parentPort, workerData } from "node:worker_threads";
import { CountySimulation, type CountyResult } from "./county.js";
import { demoSetup, type SetupOptions } from "./index.js";

interface Job {
  index: number;
}

const setup = await demoSetup(workerData as SetupOptions);
parentPort!.on("message", (job: Job) => {
  const county = setup.counties[job.index]!;
  new CountySimulation(county, setup.context)
    .run()
    .then(
      (result: CountyResult) => parentPort!.postMessage({ index: job.index, result }),
      (error: unknown) => parentPort!.postMessage({ index: job.index, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
});
parentPort!.postMessage({ ready: true });
