/* Units of time CAmkES component code expects from <utils/time.h> (e.g. with a
 * TimeServer: timeout_periodic(0, 10 * NS_IN_MS)). */
#ifndef UTILS_TIME_H
#define UTILS_TIME_H

#define MS_IN_S 1000ull
#define US_IN_MS 1000ull
#define NS_IN_US 1000ull
#define US_IN_S (US_IN_MS * MS_IN_S)
#define NS_IN_MS (NS_IN_US * US_IN_MS)
#define NS_IN_S (NS_IN_MS * MS_IN_S)

#endif
