// Storage: the client's session (client id, request ids, unsent commands,
// the replica) in IndexedDB, per person and room, so that an edit made
// offline survives a reload or a closed tab and is sent, exactly once, when
// the server is back. Where IndexedDB is unavailable (a private window that
// refuses it) nothing is kept and the app works as before.
import type { SavedCommands, SavedReplica, SessionStore } from "@maptable/client";

const databaseName = "maptable";
const commandsStore = "commands";
const replicasStore = "replicas";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(databaseName, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(commandsStore);
      open.result.createObjectStore(replicasStore);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error("cannot open IndexedDB"));
    open.onblocked = () => reject(new Error("IndexedDB is blocked by another tab's older version"));
  });
}

export class IndexedDbSessionStore implements SessionStore {
  private database: Promise<IDBDatabase> | undefined;

  // Keyed by the participant too: someone else's unsent edits in the same
  // browser must never go out under this person's token.
  constructor(private readonly participantId: string) {}

  loadCommands(roomId: string): Promise<SavedCommands | undefined> {
    return this.get<SavedCommands>(commandsStore, roomId);
  }
  saveCommands(roomId: string, commands: SavedCommands): Promise<void> {
    return this.put(commandsStore, roomId, commands);
  }
  loadReplica(roomId: string): Promise<SavedReplica | undefined> {
    return this.get<SavedReplica>(replicasStore, roomId);
  }
  saveReplica(roomId: string, replica: SavedReplica): Promise<void> {
    return this.put(replicasStore, roomId, replica);
  }

  private key(roomId: string): string {
    return `${this.participantId}\n${roomId}`;
  }

  private db(): Promise<IDBDatabase> {
    if (!this.database) {
      this.database = typeof indexedDB === "undefined" ? Promise.reject(new Error("no IndexedDB")) : openDatabase();
      this.database.catch(() => {}); // each caller sees the failure
    }
    return this.database;
  }

  private async get<T>(store: string, roomId: string): Promise<T | undefined> {
    try {
      const db = await this.db();
      return (await request(db.transaction(store, "readonly").objectStore(store).get(this.key(roomId)))) as
        T | undefined;
    } catch {
      return undefined;
    }
  }

  // Resolves when the transaction is committed, not merely queued.
  private async put(store: string, roomId: string, value: unknown): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(store, "readwrite");
    tx.objectStore(store).put(value, this.key(roomId));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted"));
    });
  }
}
