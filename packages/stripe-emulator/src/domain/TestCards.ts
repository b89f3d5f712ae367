/**
 * Stripe's test cards, by the names tests use for them (`pm_card_visa`, `tok_chargeDeclined`) and by
 * number. The outcome rides on the card's last4, so a payment method keeps its behaviour wherever
 * it is used later (a subscription's default card declining at renewal, for instance).
 */
export type CardOutcome = "succeeds" | "declined" | "insufficient_funds" | "disputed"

export interface TestCard {
  readonly brand: string
  readonly last4: string
  readonly funding: "credit" | "debit"
  readonly outcome: CardOutcome
}

const CARDS: Readonly<Record<string, TestCard>> = {
  visa: { brand: "visa", last4: "4242", funding: "credit", outcome: "succeeds" },
  visa_debit: { brand: "visa", last4: "5556", funding: "debit", outcome: "succeeds" },
  mastercard: { brand: "mastercard", last4: "4444", funding: "credit", outcome: "succeeds" },
  amex: { brand: "amex", last4: "8431", funding: "credit", outcome: "succeeds" },
  chargeDeclined: { brand: "visa", last4: "0002", funding: "credit", outcome: "declined" },
  chargeDeclinedInsufficientFunds: { brand: "visa", last4: "9995", funding: "credit", outcome: "insufficient_funds" },
  createDispute: { brand: "visa", last4: "0259", funding: "credit", outcome: "disputed" }
}

const BY_NUMBER: Readonly<Record<string, TestCard>> = Object.fromEntries(
  Object.values(CARDS).map((card) => [`${card.brand === "amex" ? "37828224631" : "400000000000"}${card.last4}`, card])
)

export const DEFAULT_CARD: TestCard = CARDS["visa"] ?? { brand: "visa", last4: "4242", funding: "credit", outcome: "succeeds" }

/** `pm_card_visa`, `tok_visa`, `card_visa` → the card; anything else → undefined. */
export const testCardByName = (id: string): TestCard | undefined => {
  const match = /^(?:pm_card_|tok_|card_)(.+)$/.exec(id)
  return match?.[1] === undefined ? undefined : CARDS[match[1]]
}

export const testCardByNumber = (number: string): TestCard => {
  if (number === "4242424242424242") return DEFAULT_CARD
  return BY_NUMBER[number] ?? { ...DEFAULT_CARD, last4: number.slice(-4) }
}

export const outcomeOfLast4 = (last4: unknown): CardOutcome =>
  Object.values(CARDS).find((card) => card.last4 === last4)?.outcome ?? "succeeds"
