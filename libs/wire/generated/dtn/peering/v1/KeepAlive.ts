// Original file: proto/dtn/peering/v1/dpp.proto


export interface KeepAlive {
}

export interface KeepAlive__Output {
}
