// JSON values: the type of data that crosses Durable Object RPC and socket boundaries as-is.
// Declared through interfaces so the recursion stays lazy for the RPC type mapper.
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}
export interface JsonArray extends Array<JsonValue> {}
