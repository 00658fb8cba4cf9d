// Reactions under a message: one chip per emoji with its count (mine highlighted, a click
// toggles mine) and a small picker to add one. Counts change through the room's `reaction`
// events (the server's exact totals), not guessed here.
import { useState } from "preact/hooks";
import { type Message, reactedWith } from "../sdk";
import { client } from "./live";

/** What the picker offers (literal emoji; the server also takes any single emoji). */
const PICKER = ["👍", "❤️", "😂", "🎉", "👀", "🚀", "🔥", "🙏"];

/** How the fixed `:shortcode:`s look (other clients may react with them). */
const SHORTCODES: Record<string, string> = {
  ":thumbsup:": "👍",
  ":thumbsdown:": "👎",
  ":heart:": "❤️",
  ":laughing:": "😆",
  ":tada:": "🎉",
  ":eyes:": "👀",
  ":rocket:": "🚀",
  ":fire:": "🔥",
  ":pray:": "🙏",
  ":clap:": "👏",
  ":thinking:": "🤔",
  ":100:": "💯",
};

const shown = (emoji: string) => SHORTCODES[emoji] ?? emoji;

/** The reaction chips and picker of one message in room `roomId`. */
export function Reactions({
  roomId,
  message: m,
  onError,
}: {
  roomId: string;
  message: Message;
  onError: (error: unknown) => void;
}) {
  const [picking, setPicking] = useState(false);
  const toggle = async (emoji: string) => {
    setPicking(false);
    try {
      if (reactedWith(m, emoji)) await client.unreact(roomId, m.seq, emoji);
      else await client.react(roomId, m.seq, emoji);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <fieldset class="reactions" aria-label={`Reactions to message ${m.seq}`}>
      {(m.reactions ?? []).map((r) => (
        <button
          key={r.emoji}
          type="button"
          class={`reaction${r.me ? " mine" : ""}`}
          aria-pressed={r.me}
          aria-label={`${shown(r.emoji)} ${r.count}${r.me ? ", including you" : ""}`}
          title={r.emoji}
          onClick={() => void toggle(r.emoji)}
        >
          {shown(r.emoji)} <span class="count">{r.count}</span>
        </button>
      ))}
      <button
        type="button"
        class="reaction add"
        aria-expanded={picking}
        aria-label={`Add a reaction to message ${m.seq}`}
        onClick={() => setPicking(!picking)}
      >
        +
      </button>
      {picking && (
        <span class="picker" role="menu">
          {PICKER.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              aria-label={`React with ${emoji}`}
              onClick={() => void toggle(emoji)}
            >
              {emoji}
            </button>
          ))}
        </span>
      )}
    </fieldset>
  );
}
