// A worker's listen socket: listen (SO_REUSEPORT, synchronous in uWS) and close it, e.g. while the fd guard pauses.
import type { TemplatedApp, us_listen_socket } from "uWebSockets.js";
import type { UwsModule } from "./native-uws.ts";

export class Listener {
  private socket: us_listen_socket | null = null;

  constructor(
    private readonly uws: UwsModule,
    private readonly app: TemplatedApp,
    private readonly host: string,
    private readonly port: number,
  ) {}

  // NOTE: uWS calls the listen callback synchronously, so `ok` is known when listen() returns.
  listen(): boolean {
    let ok = false;
    this.app.listen(this.host, this.port, (ls) => {
      ok = ls !== false;
      if (ls) this.socket = ls;
    });
    return ok;
  }

  close(): void {
    if (this.socket) this.uws.us_listen_socket_close(this.socket);
    this.socket = null;
  }
}
