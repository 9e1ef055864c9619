// Imported first by the hako command and the CPU benchmarks: this process
// starts again in a Node whose V8 worker pool fits the machine when it
// needs to (v8pool.mjs rerunWithPool()), and exits with that run's status.
import { rerunWithPool } from "./v8pool.mjs";

const status = rerunWithPool();
if (status !== null) process.exit(status);
