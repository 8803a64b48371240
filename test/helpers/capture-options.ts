/** Capture options used by the tests, with the fixtures under test/fixtures/change-events/options/. */

/** A CAPTURE_MASK_KEY for tests (at least 32 characters). */
export const MASK_KEY = "test-mask-key-0123456789abcdef0123456789";
/** What the fixtures under test/fixtures/change-events/options/ must never show once shaped. */
export const SECRETS = [
  "010190-12345",
  "ase@example.no",
  "ase.nilsen@example.no",
  "ase@nilsen.example",
  "4111111111111111",
  "378282246310005",
  "5555555555554444",
  "4012888888881881",
  "4000056655665556",
  "+47 555 01 01",
  "+47 555 01 99",
];
export const USERS_OPTIONS = [
  {
    namespace: "app.users",
    exclude: ["ssn", "profile.email", "cards.number"],
    mask: ["phone"],
    match: '{"region": "eu"}',
  },
];
