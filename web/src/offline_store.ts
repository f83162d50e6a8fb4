// Storage: the client's session (client id, request ids, unsent commands,
// the replica) in IndexedDB, per person and room, so that an edit made
// offline survives a reload or a closed tab and is sent, exactly once, when
// the server is back. Where IndexedDB is unavailable (a private window that
// refuses it) nothing is kept and the app works as before.
//
// Also the queue of photos taken for a field note (PhotoQueue): each photo
// with its Idempotency-Key and the id of the note it becomes, kept until the
// note is in the SDK's own queue of commands, so that across reloads and
// outages each photo is stored once and each note added once.
import type { SavedCommands, SavedReplica, SessionStore } from "@maptable/client";

const databaseName = "maptable";
const commandsStore = "commands";
const replicasStore = "replicas";
const photosStore = "photos";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    // Version 2 added the photo queue; a version 1 database keeps its stores.
    const open = indexedDB.open(databaseName, 2);
    open.onupgradeneeded = () => {
      for (const store of [commandsStore, replicasStore, photosStore])
        if (!open.result.objectStoreNames.contains(store)) open.result.createObjectStore(store);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error("cannot open IndexedDB"));
    open.onblocked = () => reject(new Error("IndexedDB is blocked by another tab's older version"));
  });
}

let shared: Promise<IDBDatabase> | undefined;
function database(): Promise<IDBDatabase> {
  if (!shared) {
    shared = typeof indexedDB === "undefined" ? Promise.reject(new Error("no IndexedDB")) : openDatabase();
    shared.catch(() => {}); // each caller sees the failure
  }
  return shared;
}

export class IndexedDbSessionStore implements SessionStore {
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
    return database();
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

// A photo taken for a field note, from the moment it is picked until its
// note is sent. The key is also the upload's Idempotency-Key: a retry after
// a lost answer, an outage or a reload gets the first upload's answer, and
// the server stores the photo once.
export interface QueuedPhoto {
  key: string;
  featureId: string; // the note's id, chosen once: a second AddFeature with it is refused, never doubled
  bytes: ArrayBuffer;
  type: string; // the file's type as the browser says ("" when it does not know)
  takenMs: number;
  // The server's answer, once it came (POST .../attachments 201).
  uploaded?: { id: string; gps?: { lat: number; lon: number } };
}

// The photo queue of one person in one room, in IndexedDB (the same database
// as the session store). Without IndexedDB it lives in memory for the page.
export class PhotoQueue {
  private readonly memory = new Map<string, QueuedPhoto>();

  constructor(
    private readonly participantId: string,
    private readonly roomId: string,
  ) {}

  private prefix(): string {
    return `${this.participantId}\n${this.roomId}\n`;
  }

  async list(): Promise<QueuedPhoto[]> {
    try {
      const db = await database();
      const range = IDBKeyRange.bound(this.prefix(), this.prefix() + "\uffff");
      const items = (await request(
        db.transaction(photosStore, "readonly").objectStore(photosStore).getAll(range),
      )) as QueuedPhoto[];
      return items.sort((a, b) => a.takenMs - b.takenMs);
    } catch {
      return [...this.memory.values()];
    }
  }

  // Resolves when the photo is durable (or kept in memory without IndexedDB).
  async put(photo: QueuedPhoto): Promise<void> {
    this.memory.set(photo.key, photo);
    await this.write((store) => store.put(photo, this.prefix() + photo.key));
  }

  async remove(key: string): Promise<void> {
    this.memory.delete(key);
    await this.write((store) => store.delete(this.prefix() + key));
  }

  private async write(change: (store: IDBObjectStore) => void): Promise<void> {
    let db: IDBDatabase;
    try {
      db = await database();
    } catch {
      return; // no IndexedDB: memory only
    }
    const tx = db.transaction(photosStore, "readwrite");
    change(tx.objectStore(photosStore));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted"));
    });
  }
}
