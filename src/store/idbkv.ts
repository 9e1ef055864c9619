// The Kv contract over IndexedDB, through idb-keyval's store handle: one
// database with one object store per Hako store. A commit is one readwrite
// transaction, so it is atomic, and a full disk aborts it with
// QuotaExceededError (IndexedDB 3.0: "the transaction is aborted with a
// QuotaExceededError"). The browser uses the real IndexedDB; Node tests load
// fake-indexeddb, which installs the same API.
import { createStore, promisifyRequest, type UseStore } from "idb-keyval";
import { storedCopy, type Kv, type KvValue } from "./kv";

export class IdbKv implements Kv {
  private store: UseStore;

  constructor(dbName = "hako", storeName = "store") {
    this.store = createStore(dbName, storeName);
  }

  get<T extends KvValue = KvValue>(key: string): Promise<T | undefined> {
    return this.store("readonly", (s) => promisifyRequest(s.get(key) as IDBRequest<T | undefined>));
  }

  commit(puts: ReadonlyArray<readonly [string, KvValue]>, dels: readonly string[] = []): Promise<void> {
    return this.store("readwrite", (s) => {
      for (const k of dels) s.delete(k);
      for (const [k, v] of puts) s.put(storedCopy(v), k);
      return promisifyRequest(s.transaction);
    });
  }

  keys(prefix: string): Promise<string[]> {
    // Every key that starts with `prefix` sorts between it and prefix + U+FFFF.
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    return this.store("readonly", (s) => promisifyRequest(s.getAllKeys(range))).then((ks) => ks.map(String));
  }
}
