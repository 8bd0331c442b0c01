import Protocols

// The collector daemon arrives with its own issue; until then it only reports its version.
print("smartmeter-datacollector 0.1.0 (decoders only; see smartmeter-config decode)")
