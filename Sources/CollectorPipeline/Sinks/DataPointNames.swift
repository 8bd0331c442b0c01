import Protocols

extension DataPointType {
    /// The reference collector's display names, used by the logger sink. A table rather than a switch so that types
    /// added for other meters fall back to their identifier instead of breaking the build.
    var humanName: String {
        Self.humanNames[self] ?? rawValue
    }

    private static let humanNames: [DataPointType: String] = [
        .ACTIVE_POWER_P: "Active Power +",
        .ACTIVE_POWER_N: "Active Power -",
        .ACTIVE_POWER_P_L1: "Active Power L1 +",
        .ACTIVE_POWER_P_L2: "Active Power L2 +",
        .ACTIVE_POWER_P_L3: "Active Power L3 +",
        .ACTIVE_POWER_N_L1: "Active Power L1 -",
        .ACTIVE_POWER_N_L2: "Active Power L2 -",
        .ACTIVE_POWER_N_L3: "Active Power L3 -",
        .REACTIVE_POWER_P: "Reactive Power +",
        .REACTIVE_POWER_N: "Reactive Power -",
        .REACTIVE_POWER_Q1: "Reactive Power Q1",
        .REACTIVE_POWER_Q2: "Reactive Power Q2",
        .REACTIVE_POWER_Q3: "Reactive Power Q3",
        .REACTIVE_POWER_Q4: "Reactive Power Q4",
        .APPARENT_POWER_P: "Apparent Power +",
        .APPARENT_POWER_N: "Apparent Power -",
        .ACTIVE_ENERGY_P: "Active Energy +",
        .ACTIVE_ENERGY_N: "Active Energy -",
        .ACTIVE_ENERGY_P_T1: "Active Energy + Tariff 1",
        .ACTIVE_ENERGY_P_T2: "Active Energy + Tariff 2",
        .ACTIVE_ENERGY_N_T1: "Active Energy - Tariff 1",
        .ACTIVE_ENERGY_N_T2: "Active Energy - Tariff 2",
        .REACTIVE_ENERGY_P: "Reactive Energy +",
        .REACTIVE_ENERGY_N: "Reactive Energy -",
        .REACTIVE_ENERGY_P_T1: "Reactive Energy + Tariff 1",
        .REACTIVE_ENERGY_P_T2: "Reactive Energy + Tariff 2",
        .REACTIVE_ENERGY_N_T1: "Reactive Energy - Tariff 1",
        .REACTIVE_ENERGY_N_T2: "Reactive Energy - Tariff 2",
        .REACTIVE_ENERGY_Q1: "Reactive Energy +Ri Q1",
        .REACTIVE_ENERGY_Q2: "Reactive Energy +Rc Q2",
        .REACTIVE_ENERGY_Q3: "Reactive Energy -Ri Q3",
        .REACTIVE_ENERGY_Q4: "Reactive Energy -Rc Q4",
        .REACTIVE_ENERGY_Q1_T1: "Reactive Energy +Ri Q1 Tariff 1",
        .REACTIVE_ENERGY_Q1_T2: "Reactive Energy +Ri Q1 Tariff 2",
        .REACTIVE_ENERGY_Q2_T1: "Reactive Energy +Rc Q2 Tariff 1",
        .REACTIVE_ENERGY_Q2_T2: "Reactive Energy +Rc Q2 Tariff 2",
        .REACTIVE_ENERGY_Q3_T1: "Reactive Energy -Ri Q3 Tariff 1",
        .REACTIVE_ENERGY_Q3_T2: "Reactive Energy -Ri Q3 Tariff 2",
        .REACTIVE_ENERGY_Q4_T1: "Reactive Energy -Rc Q4 Tariff 1",
        .REACTIVE_ENERGY_Q4_T2: "Reactive Energy -Rc Q4 Tariff 2",
        .CURRENT_L1: "Current L1",
        .CURRENT_L2: "Current L2",
        .CURRENT_L3: "Current L3",
        .CURRENT_N: "Current N",
        .VOLTAGE_L1: "Voltage L1",
        .VOLTAGE_L2: "Voltage L2",
        .VOLTAGE_L3: "Voltage L3",
        .POWER_FACTOR: "Power Factor",
        .POWER_FACTOR_L1: "Power Factor L1",
        .POWER_FACTOR_L2: "Power Factor L2",
        .POWER_FACTOR_L3: "Power Factor L3",
        .NET_FREQUENCY: "Net Frequency any Phase",
    ]
}
