// What every part of the page shares: the client, who I am, and one way to
// send a command that shows the server's refusal when there is one.
import { Role, type CommandResult, type MaptableClient } from "@maptable/client";

import type { Invite } from "./invite.js";
import { t } from "./i18n/index.js";
import { notifyRefusal } from "./status.js";

export class AppContext {
  // Starts reshaping a line or an area on the map (set once the map is up).
  reshape: ((featureId: string) => void) | undefined;

  constructor(
    readonly client: MaptableClient,
    readonly invite: Invite,
  ) {}

  get myId(): string {
    return this.client.me?.id ?? this.invite.subject;
  }

  isFacilitator(): boolean {
    const role = this.client.me?.role;
    return role === undefined ? this.invite.role === "facilitator" : role === Role.FACILITATOR;
  }

  isObserver(): boolean {
    return this.client.me?.role === Role.OBSERVER;
  }

  // Sends a command; a refusal becomes a visible notice ("<what> was refused:
  // <why in plain words>"); `what` is already in the page's language.
  async run(what: string, command: Promise<CommandResult>): Promise<CommandResult> {
    const result = await command;
    if (!result.ok) notifyRefusal(what, result);
    return result;
  }

  // A participant's name: online, or from the room's history (their features and chat).
  nameOf(participantId: string): string {
    const online = this.client.online.find((p) => p.id === participantId);
    if (online) return online.name;
    const state = this.client.replica.state;
    for (const m of state.recentChat) if (m.authorId === participantId) return m.authorName;
    for (const f of state.features.values()) if (f.authorId === participantId) return f.authorName;
    return participantId;
  }
}

export function roleName(role: Role): string {
  switch (role) {
    case Role.FACILITATOR:
      return "facilitator";
    case Role.OBSERVER:
      return "observer";
    case Role.ADMIN:
      return "admin";
    default:
      return "participant";
  }
}

// The role as people read it, in the page's language.
export function roleLabel(role: Role): string {
  return t(`role.${roleName(role)}` as "role.participant");
}
