// Web Push endpoints (issue 14.3): only public hosts, and only the configured push services.
import { describe, expect, it } from "vitest";
import { DEFAULT_PUSH_SERVICE_HOSTS, pushEndpointRefusal } from "../../src/lib/push-endpoint";

const code = (endpoint: string, allowed: readonly string[] = []) => pushEndpointRefusal(endpoint, allowed)?.code;

describe("push endpoints", () => {
  it.each([
    "https://127.0.0.1/x",
    "https://127.1.2.3:8443/x",
    "https://2130706433/x", // 127.0.0.1 as one number (the URL parser normalizes it)
    "https://0x7f.1/x",
    "https://0.0.0.0/x",
    "https://10.1.2.3/x",
    "https://172.16.0.1/x",
    "https://172.31.255.255/x",
    "https://192.168.1.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/x",
    "https://100.127.255.254/x",
    "https://192.0.2.10/x",
    "https://198.18.0.1/x",
    "https://224.0.0.1/x",
    "https://255.255.255.255/x",
    "https://[::1]/x",
    "https://[::]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[::ffff:8.8.8.8]/x",
    "https://[64:ff9b::a00:1]/x",
    "https://[fc00::1]/x",
    "https://[fd12:3456::1]/x",
    "https://[fe80::1]/x",
    "https://[ff02::1]/x",
    "https://[2001:db8::1]/x",
    "https://[2002:7f00:1::]/x",
    "https://localhost/x",
    "https://LOCALHOST./x",
    "https://push.localhost/x",
    "https://printer.local/x",
    "https://metadata.google.internal/x",
    "https://intranet/x",
    "https://user:pw@fcm.googleapis.com/x",
  ])("refuses %s as not public", (endpoint) => {
    expect(code(endpoint)).toBe("push_endpoint_not_public");
    expect(code(endpoint, DEFAULT_PUSH_SERVICE_HOSTS)).toBe("push_endpoint_not_public");
  });

  it("accepts public hosts when no allow-list is set", () => {
    for (const endpoint of ["https://8.8.8.8/x", "https://[2606:4700::1111]/x", "https://push.example.com/x"]) {
      expect(code(endpoint), endpoint).toBeUndefined();
    }
  });

  it("with the default allow-list, accepts the browsers' push services and nothing else", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://updates.push.services.mozilla.com/wpush/v2/abc",
      "https://wns2-par02p.notify.windows.com/w/?token=abc",
      "https://web.push.apple.com/abc",
      "https://api.push.apple.com/3/device/abc",
    ]) {
      expect(code(endpoint, DEFAULT_PUSH_SERVICE_HOSTS), endpoint).toBeUndefined();
    }
    for (const endpoint of [
      "https://8.8.8.8/x",
      "https://evil.example.com/x",
      "https://fcm.googleapis.com.evil.example/x",
      "https://notify.windows.com/x",
      "https://evilnotify.windows.com/x",
      "https://push.apple.com.evil.example/x",
    ]) {
      expect(code(endpoint, DEFAULT_PUSH_SERVICE_HOSTS), endpoint).toBe("push_service_not_allowed");
    }
  });
});
