/** Worker threads for V8 on a machine with `cores` cores: all but one, at least one, at most Node's default of 4. */
export function poolSize(cores: number): number;
/** Whether the Node options already set the pool size. */
export function poolSet(execArgv: readonly string[], nodeOptions: string | undefined): boolean;
/** Runs this script again in a Node whose V8 pool fits the machine when needed; its exit status, or null to go on in this process. */
export function rerunWithPool(cores?: number): number | null;
