// The load generator's side of the Node room baselines (ws-server.ts, socketio-server.ts),
// behind room-targets.ts's TargetRooms. Both use the same `ws` client as every other target,
// so the generator's cost per frame is the same: `ws` speaks Plaza's frames as they are;
// `socketio` speaks the Socket.IO 4 wire protocol (Engine.IO v4 over a WebSocket) directly:
// open, CONNECT to "/" with the room in auth, events `send` (with an ack id) and `message`.
import { type Delivery, deliveryOfBody, listener, sendFrame, type TargetRooms } from "../room-targets.ts";
import { type BenchSocket, openSocket } from "../sockets.ts";

const TIMEOUT_MS = 15_000;
const runName = () => Math.random().toString(36).slice(2, 8);

/** Rejects with `what` when `promise` has not settled within TIMEOUT_MS. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The raw `ws` broadcast server at `url`: Plaza's frames on /rooms/<name>. */
export function wsRooms(url: string): TargetRooms {
  const run = runName();
  return {
    connect: (room, _client, onDelivery, onError, onAck) =>
      openSocket(`${url}/rooms/${run}-${room}`, { onMessage: listener(onDelivery, onError, onAck) }),
    frame: sendFrame,
  };
}

// Engine.IO packets: "0" open, "2" ping, "3" pong, "4" message; a Socket.IO packet follows
// "4": "0" CONNECT, "2" EVENT, "3" ACK, "4" CONNECT_ERROR.
const OPEN = "0";
const PING = "2";
const PONG = "3";
const CONNECTED = "40";
const CONNECT_ERROR = "44";
const ACK = "43";
const MESSAGE_EVENT = '42["message",';

/** The Socket.IO 4 room server at `url`. */
export function socketioRooms(url: string): TargetRooms {
  const run = runName();
  return {
    async connect(room, _client, onDelivery, onError, onAck) {
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      let joined!: () => void;
      let refused!: (err: Error) => void;
      const join = new Promise<void>((resolve, reject) => {
        joined = resolve;
        refused = reject;
      });
      let socket: BenchSocket | undefined;
      const onFrame = (text: string) => {
        if (text.startsWith(MESSAGE_EVENT)) {
          const [, message] = JSON.parse(text.slice(2)) as [string, { body: string }];
          const delivery: Delivery | undefined = deliveryOfBody(message.body);
          if (delivery) onDelivery(delivery);
        } else if (text.startsWith(ACK)) onAck?.();
        else if (text === PING) socket?.send(PONG);
        else if (text.startsWith(CONNECTED)) joined();
        else if (text.startsWith(OPEN)) opened();
        else if (text.startsWith(CONNECT_ERROR)) {
          refused(new Error(`socket.io refused the connection: ${text}`));
          onError();
        } else if (text.startsWith('42["error_frame"')) onError();
      };
      socket = await openSocket(`${url}/socket.io/?EIO=4&transport=websocket`, { onMessage: onFrame });
      try {
        await bounded(open, "no socket.io open packet");
        socket.send(`${CONNECTED}${JSON.stringify({ room: `${run}-${room}` })}`);
        await bounded(join, "no socket.io CONNECT answer");
      } catch (err) {
        socket.ws.terminate();
        throw err;
      }
      return socket;
    },
    // An EVENT with ack id n (unique per socket: n counts a publisher's messages).
    frame: (publisher, n, sentAt) =>
      `42${n}${JSON.stringify(["send", { clientMsgId: `${publisher}-${n}-${sentAt}`, body: `${publisher}:${n}:${sentAt}` }])}`,
  };
}
