"""Microkit's fixed capability slots and badges (its numbers; libmicrokit's
runtime/microkit/include/microkit.h has the same), where mkbuild puts each object."""

INPUT_CAP = 1  # the PD's endpoint: its event loop's Recv
NOTIFICATION_CAP = 2  # the PD's notification, bound to its TCB at start
FAULT_EP_CAP = 3  # a child's fault endpoint: the parent's endpoint, badged
TCB_CAP = 6  # the PD's own TCB
SC_CAP = 8  # a passive PD's scheduling context: bound to its notification after init (mkbuild's)
BASE_OUTPUT_NOTIFICATION_CAP = 10  # + channel id
BASE_ENDPOINT_CAP = 74  # + channel id: protected calls
BASE_IRQ_CAP = 138  # + channel id
BASE_TCB_CAP = 202  # + child id
BASE_USER_CAPS = 458  # + `<cspace>` slot: another PD's TCB or VSpace
PPC_BADGE, FAULT_BADGE = 1 << 63, 1 << 62
