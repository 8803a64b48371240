import * as bson from "bson";
import { makeBsonPort, type BsonPort } from "../../core/bson-port";

/** The `bson` package the official driver uses, as a BsonPort for Node hosts and tests. */
export const nodeBson: BsonPort = makeBsonPort(bson, bson.EJSON);
