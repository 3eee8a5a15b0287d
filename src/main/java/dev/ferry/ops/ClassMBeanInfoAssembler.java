package dev.ferry.ops;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.modelmbean.InvalidTargetObjectTypeException;
import javax.management.modelmbean.ModelMBean;
import javax.management.modelmbean.ModelMBeanInfo;
import javax.management.modelmbean.RequiredModelMBean;

import org.apache.camel.CamelContext;
import org.apache.camel.api.management.ManagedInstance;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.api.management.NotificationSenderAware;
import org.apache.camel.spi.ManagementMBeanAssembler;
import org.apache.camel.support.management.DefaultManagementMBeanAssembler;
import org.apache.camel.support.management.MBeanInfoAssembler;
import org.apache.camel.support.management.MixinRequiredModelMBean;
import org.apache.camel.support.management.NotificationSenderAdapter;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.ObjectHelper;

/**
 * Camel's MBean assembler ({@link DefaultManagementMBeanAssembler}, whose steps this follows), with the MBean info of
 * a class built once. Camel builds it for every MBean from its class's annotations — attribute and operation infos
 * with their descriptors, the costliest part of JMX registration: a fifth of loading a thousand connectors, whose
 * routes, consumers and endpoints are each an MBean of one of a few classes. What the info holds (attributes,
 * operations, notifications, class name and description) comes from the classes alone, and every
 * {@link RequiredModelMBean} works on its own copy of the info it is given, so one info serves all MBeans of a class.
 */
public final class ClassMBeanInfoAssembler extends ServiceSupport implements ManagementMBeanAssembler {

    /** The managed object's class and its custom managed instance's, if it has one. */
    private record Classes(Class<?> managed, Class<?> custom) {
    }

    private final CamelContext camel;
    private final MBeanInfoAssembler assembler;
    /** Empty for a class Camel does not assemble (a proxy). */
    private final Map<Classes, Optional<ModelMBeanInfo>> infos = new ConcurrentHashMap<>();

    public ClassMBeanInfoAssembler(CamelContext camel) {
        this.camel = camel;
        this.assembler = new MBeanInfoAssembler(camel);
    }

    @Override
    public ModelMBean assemble(MBeanServer server, Object managed, ObjectName name) throws JMException {
        ModelMBeanInfo info = null;
        ModelMBeanInfo standardInfo = null;
        Object custom = null;
        // a managed instance annotated itself brings attributes and operations of its own beside the standard ones
        if (managed instanceof ManagedInstance instance) {
            custom = instance.getInstance();
            if (custom != null && ObjectHelper.hasAnnotation(custom.getClass().getAnnotations(), ManagedResource.class)) {
                info = info(managed, custom, name);
                standardInfo = info(managed, null, name);
            } else {
                custom = null;
            }
        }
        if (info == null) {
            info = info(managed, null, name);
        }
        if (info == null) {
            return null;
        }
        RequiredModelMBean standard = null;
        Object target = managed;
        if (standardInfo != null) {
            standard = (RequiredModelMBean) server.instantiate(RequiredModelMBean.class.getName());
            standard.setModelMBeanInfo(standardInfo);
            setResource(standard, managed);
            target = custom;
        }
        Boolean mask = camel.getManagementStrategy().getManagementAgent().getMask();
        RequiredModelMBean mbean = new MixinRequiredModelMBean(info, Boolean.TRUE.equals(mask), standardInfo, standard);
        setResource(mbean, target);
        if (target instanceof NotificationSenderAware aware) {
            aware.setNotificationSender(new NotificationSenderAdapter(mbean));
        }
        return mbean;
    }

    private ModelMBeanInfo info(Object managed, Object custom, ObjectName name) throws JMException {
        Classes classes = new Classes(managed.getClass(), custom == null ? null : custom.getClass());
        Optional<ModelMBeanInfo> info = infos.get(classes);
        if (info == null) {
            info = Optional.ofNullable(assembler.getMBeanInfo(camel, managed, custom, name.toString()));
            infos.put(classes, info);
        }
        return info.orElse(null);
    }

    private static void setResource(RequiredModelMBean mbean, Object resource) throws JMException {
        try {
            mbean.setManagedResource(resource, "ObjectReference");
        } catch (InvalidTargetObjectTypeException e) {
            throw new JMException(e.getMessage());
        }
    }

    @Override
    protected void doInit() {
        ServiceHelper.initService(assembler);
    }

    @Override
    protected void doStart() {
        ServiceHelper.startService(assembler);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(assembler);
        infos.clear();
    }
}
