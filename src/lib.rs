//! tim-wasm: placeholder until the browser layer lands.
