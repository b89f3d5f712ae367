/**
 * The API version the emulator's objects follow: that of the `stripe` SDK pinned in this package
 * (23.1.0) and of the fixtures its templates come from. Requests may send any `Stripe-Version`;
 * objects keep this shape, and events record this version.
 */
export const API_VERSION = "2026-10-28.endive"
