/* PSCI 1.0 (ARM DEN 0022) for a guest with one vCPU, over HVC or SMC: the version, the
 * features, migration info, CPU_ON refused (there is no other CPU), CPU_OFF,
 * SYSTEM_OFF and SYSTEM_RESET end the VM. SMCCC calls outside PSCI are not supported
 * (so a guest assumes SMCCC 1.0 and asks for nothing more). */
#include "vmm_devices.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0xC4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xC4000003u
#define PSCI_AFFINITY_INFO 0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000Au
#define SMC32_BIT 0x40000000u     /* the 32- and 64-bit calling conventions alike */
#define PSCI_1_0 0x10000u
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define MIGRATE_NOT_NEEDED 2      /* no trusted OS to migrate */

static bool known(uint32_t fn)
{
    switch (fn | SMC32_BIT) {
    case PSCI_VERSION | SMC32_BIT: case PSCI_CPU_OFF | SMC32_BIT: case PSCI_CPU_ON:
    case PSCI_AFFINITY_INFO: case PSCI_MIGRATE_INFO_TYPE | SMC32_BIT:
    case PSCI_SYSTEM_OFF | SMC32_BIT: case PSCI_SYSTEM_RESET | SMC32_BIT:
    case PSCI_FEATURES | SMC32_BIT:
        return true;
    default:
        return false;
    }
}

enum psci_outcome psci_call(seL4_Word x[4])
{
    uint32_t fn = (uint32_t)x[0] | SMC32_BIT;
    long result = PSCI_NOT_SUPPORTED;
    switch (fn) {
    case PSCI_VERSION | SMC32_BIT: result = PSCI_1_0; break;
    case PSCI_FEATURES | SMC32_BIT: result = known((uint32_t)x[1]) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED; break;
    case PSCI_MIGRATE_INFO_TYPE | SMC32_BIT: result = MIGRATE_NOT_NEEDED; break;
    case PSCI_CPU_ON: result = (x[1] & 0xffffff) == 0 ? PSCI_ALREADY_ON : PSCI_INVALID_PARAMETERS; break;
    case PSCI_AFFINITY_INFO: result = (x[1] & 0xffffff) == 0 ? 0 : PSCI_INVALID_PARAMETERS; break;
    case PSCI_CPU_OFF | SMC32_BIT:
    case PSCI_SYSTEM_OFF | SMC32_BIT: return PSCI_POWER_OFF;
    case PSCI_SYSTEM_RESET | SMC32_BIT: return PSCI_RESET;
    default: break;
    }
    x[0] = (seL4_Word)result;
    return PSCI_RESUME;
}
