// Post text with its #tags as links to the tag's posts (#/tags/<tag>).
import { href } from "./router";

const TAG_SPLIT = /(#[\p{L}\p{N}_]{1,50})/u;

/** Post text with its #tags as links to the tag's posts. */
export function PostText({ text }: { text: string }) {
  return (
    <>
      {text.split(TAG_SPLIT).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={href({ name: "tag", tag: part.slice(1).toLowerCase() })} class="tag">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}
