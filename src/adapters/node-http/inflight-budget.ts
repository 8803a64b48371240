import type { ByteBudget, Reservation } from "../../core/firehose/protocol/admit-delivery";

/**
 * The request-body bytes the server holds at once, across deliveries (FIREHOSE_MAX_INFLIGHT_BYTES).
 * Admission reserves what a delivery may hold before its body is read (deliveryCost); a body
 * without Content-Length grows its reservation as it is read. One delivery is always admitted when
 * nothing else is held, so a budget below a delivery's size slows deliveries down to one at a time
 * instead of refusing them until Firehose gives up.
 */
export class InflightBudget implements ByteBudget {
  private held = 0;
  /** What the last refused delivery would have held, while the budget has not since taken one as large. */
  private refusedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes held now. */
  bytes(): number {
    return this.held;
  }

  reserve(bytes: number): Reservation | undefined {
    if (this.held > 0 && this.held + bytes > this.maxBytes) {
      this.refusedBytes = bytes;
      return undefined;
    }
    this.held += bytes;
    if (bytes >= this.refusedBytes) this.refusedBytes = 0;
    return { bytes };
  }

  /** Adds bytes read to a reservation; false (nothing added) when they do not fit beside other deliveries. */
  grow(reservation: Reservation, bytes: number): boolean {
    if (this.held + bytes > this.maxBytes && this.held > reservation.bytes) {
      this.refusedBytes = reservation.bytes + bytes;
      return false;
    }
    this.held += bytes;
    reservation.bytes += bytes;
    return true;
  }

  release(reservation: Reservation): void {
    this.held -= reservation.bytes;
    reservation.bytes = 0;
  }

  /**
   * Whether deliveries are being refused now, for the health check: the budget is full (no delivery
   * of any size fits), or a delivery as large as the last one refused would still not fit. Nothing
   * is refused while nothing is held.
   */
  refusing(): boolean {
    return this.held > 0 && this.held + Math.max(1, this.refusedBytes) > this.maxBytes;
  }
}
