// Bench baseline: the same broadcast room written with partyserver (hibernating), so
// bench/rooms.ts can set the Room beside a popular framework on the same host. Reachable
// only through /__bench/ when BENCH_ROUTES = "on".
import { type Connection, Server, type WSMessage } from "partyserver";

export class BenchPartyRoom extends Server {
  static override options = { hibernate: true };

  override onMessage(_connection: Connection, message: WSMessage): void {
    this.broadcast(message);
  }
}
